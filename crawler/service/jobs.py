"""Jobs and their versions: create, update (a new version), delete, look up.

Job texts are validated exactly as ``crawler validate`` does (:func:`crawler.jobfile.parse_job`):
the same field and line messages, the same address-safety checks on seeds.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from sqlalchemy import select
from sqlalchemy.orm import Session

from crawler.config import Settings
from crawler.jobs.jobfile import JobFileError, parse_job
from crawler.jobs.models import DEFAULT_STORAGE
from crawler.jobs.models import Job as JobModel
from crawler.service.audit import record
from crawler.service.errors import ConflictError, InvalidError, NotFoundError
from crawler.service.tables import ACTIVE_RUN_STATES, Job, JobVersion, Run, Schedule, utcnow

__all__ = [
    "StorageRoots",
    "create_job",
    "delete_job",
    "get_job",
    "job_version",
    "list_jobs",
    "update_job",
    "validate_text",
]


@dataclass(frozen=True)
class StorageRoots:
    """Where jobs submitted through the API may store their archives (the workers write
    there): ``file://`` folders inside one of the roots, ``s3://`` buckets and prefixes
    under one of them (``s3://`` alone: any bucket)."""

    roots: tuple[str, ...]

    @classmethod
    def from_settings(cls, settings: Settings) -> StorageRoots:
        given = [r.strip() for r in settings.job_storage_roots.split(",") if r.strip()]
        return cls(
            tuple(given or [DEFAULT_STORAGE, f"file://{settings.data_dir / 'archive'}", "s3://"])
        )

    def refusal(self, url: str) -> str | None:
        """Why ``url`` is not allowed (None when it is)."""
        if url.startswith("s3://"):
            if any(r.startswith("s3://") and url.startswith(r) for r in self.roots):
                return None
        else:
            path = _local(url)
            for root in self.roots:
                if root.startswith("file://") and path.is_relative_to(_local(root)):
                    return None
        return f"{url!r} is outside the storage this service allows: {', '.join(self.roots)}"


def _local(url: str) -> Path:
    return Path(unquote(url.removeprefix("file://"))).resolve()


def validate_text(
    text: str, roots: StorageRoots | None = None, source: str = "request body"
) -> JobModel:
    """The validated job, or :class:`InvalidError` listing every problem (field, line,
    message); with ``roots``, its storage must be one the service allows."""
    try:
        model = parse_job(text, source)
    except JobFileError as exc:
        raise InvalidError(f"{source}: invalid job", exc.problems) from None
    refusal = roots.refusal(model.storage) if roots is not None else None
    if refusal:
        raise InvalidError(f"{source}: invalid job", [("storage", None, refusal)])
    return model


def get_job(session: Session, name: str) -> Job:
    job = session.scalar(select(Job).where(Job.name == name, Job.deleted_at.is_(None)))
    if job is None:
        raise NotFoundError(f"no job named {name!r}")
    return job


def job_version(session: Session, job: Job, version: int | None = None) -> JobVersion:
    wanted = version or job.current_version
    found = session.scalar(
        select(JobVersion).where(JobVersion.job_id == job.id, JobVersion.version == wanted)
    )
    if found is None:
        raise NotFoundError(f"job {job.name!r} has no version {wanted}")
    return found


def list_jobs(session: Session) -> list[Job]:
    return list(session.scalars(select(Job).where(Job.deleted_at.is_(None)).order_by(Job.name)))


def _add_version(
    session: Session, job: Job, model: JobModel, source: str, actor: str
) -> JobVersion:
    version = JobVersion(
        job_id=job.id,
        version=job.current_version,
        config=model.model_dump(mode="json"),
        config_hash=model.config_hash,
        source=source,
        created_by=actor,
    )
    session.add(version)
    session.flush()
    return version


def create_job(session: Session, text: str, actor: str, roots: StorageRoots | None = None) -> Job:
    """A new job from YAML/JSON text. A deleted job's name may be taken again: its history
    continues with a new version."""
    model = validate_text(text, roots)
    existing = session.scalar(select(Job).where(Job.name == model.name))
    if existing is not None and existing.deleted_at is None:
        raise ConflictError(
            f"a job named {model.name!r} exists: update it (PUT /jobs/{model.name})"
        )
    if existing is not None:
        existing.deleted_at = None
        existing.current_version += 1
        job = existing
    else:
        job = Job(name=model.name, current_version=1, created_by=actor)
        session.add(job)
        session.flush()
    _add_version(session, job, model, text, actor)
    record(session, actor, "job.create", f"job:{job.name}", {"version": job.current_version})
    return job


def update_job(
    session: Session, name: str, text: str, actor: str, roots: StorageRoots | None = None
) -> Job:
    """A new version of job ``name``; the text must keep the name."""
    job = get_job(session, name)
    model = validate_text(text, roots)
    if model.name != name:
        raise InvalidError(
            "the job's name cannot change",
            [("name", None, f"is {model.name!r}; this job is {name!r}")],
        )
    current = job_version(session, job)
    if current.config_hash == model.config_hash:
        return job  # nothing changed: no new version
    job.current_version += 1
    _add_version(session, job, model, text, actor)
    record(session, actor, "job.update", f"job:{name}", {"version": job.current_version})
    return job


def delete_job(session: Session, name: str, actor: str) -> None:
    """Hide the job and disable its schedules; refused while one of its runs is active.
    Its versions and runs stay (runs name the version they used)."""
    job = get_job(session, name)
    active = session.scalar(
        select(Run.id).where(Run.job_id == job.id, Run.status.in_(ACTIVE_RUN_STATES)).limit(1)
    )
    if active is not None:
        raise ConflictError(
            f"job {name!r} has an active run ({active}): cancel it or let it finish"
        )
    job.deleted_at = utcnow()
    for schedule in session.scalars(select(Schedule).where(Schedule.job_id == job.id)):
        schedule.enabled = False
    record(session, actor, "job.delete", f"job:{name}", {})
