"""Research access: capture index (CDX, Memento), snapshots, article search, exports, WACZ,
and loading stored crawls into the database (``crawler index``).
"""
