"""``/jobs``: job files (YAML or JSON) and their versions."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from crawler.service import jobs
from crawler.service.deps import Reader, SessionDep, Writer
from crawler.service.errors import ServiceError
from crawler.service.schemas import JobOut, ValidationOut

__all__ = ["router"]

router = APIRouter(tags=["jobs"])

_JOB_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/yaml": {"schema": {"type": "string"}},
            "application/json": {"schema": {"type": "object"}},
        },
        "description": "A job file, YAML or JSON (the format of settings/jobs/*.yaml).",
    }
}


async def _job_text(request: Request) -> str:
    body = await request.body()
    if not body.strip():
        raise ServiceError("empty body: send a job file (YAML or JSON)")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise ServiceError("the body is not UTF-8 text") from None


@router.post("/jobs", status_code=201, openapi_extra=_JOB_BODY)
async def create_job(request: Request, current: SessionDep, token: Writer) -> JobOut:
    """Create a job from a YAML or JSON job file."""
    roots = request.app.state.storage_roots
    job = jobs.create_job(current, await _job_text(request), token.name, roots)
    return JobOut.of(job, jobs.job_version(current, job))


@router.post("/jobs/validate", openapi_extra=_JOB_BODY)
async def validate_job(request: Request, _token: Reader) -> ValidationOut:
    """Validate a job file without storing it (422 with every problem if invalid)."""
    model = jobs.validate_text(await _job_text(request), request.app.state.storage_roots)
    return ValidationOut(valid=True, name=model.name, config_hash=model.config_hash)


@router.get("/jobs")
def list_jobs(current: SessionDep, _token: Reader) -> list[JobOut]:
    return [JobOut.of(job, jobs.job_version(current, job)) for job in jobs.list_jobs(current)]


@router.get("/jobs/{name}")
def show_job(
    name: str,
    current: SessionDep,
    _token: Reader,
    version: Annotated[int | None, Query(ge=1)] = None,
) -> JobOut:
    job = jobs.get_job(current, name)
    return JobOut.of(job, jobs.job_version(current, job, version))


@router.get("/jobs/{name}/versions")
def job_versions(name: str, current: SessionDep, _token: Reader) -> list[JobOut]:
    job = jobs.get_job(current, name)
    return [JobOut.of(job, version) for version in job.versions]


@router.put("/jobs/{name}", openapi_extra=_JOB_BODY)
async def update_job(name: str, request: Request, current: SessionDep, token: Writer) -> JobOut:
    """A new version of the job (unchanged content: no new version)."""
    roots = request.app.state.storage_roots
    job = jobs.update_job(current, name, await _job_text(request), token.name, roots)
    return JobOut.of(job, jobs.job_version(current, job))


@router.delete("/jobs/{name}", status_code=204)
def delete_job(name: str, current: SessionDep, token: Writer) -> Response:
    """Delete a job (refused with 409 while one of its runs is active)."""
    jobs.delete_job(current, name, token.name)
    return Response(status_code=204)
