"""The UWS 1.1 resources of /tap/async: thin handlers over the store and the runner.

Every mutation answers 303 with an absolute Location (TOPCAT treats anything else as an
error, UWS-3/4). Unknown jobs are 404 and actions the phase forbids 403, both as text/plain
(mapped in `tap_service.app`); malformed values are 400 naming the parameter.
"""

from __future__ import annotations

import datetime as dt
import time

import anyio
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response

from tap_service import forms, results
from tap_service import params as check
from tap_service.endpoints import Resource
from tap_service.errors import BadParameter, JobNotFound, NotFound
from tap_service.params import collect, single
from tap_service.settings import Settings
from tap_service.uploads.parts import file_parts, save_parts
from tap_service.urls import base_url, service_of
from tap_service.uws import documents
from tap_service.uws.model import ACTIVE, Action, Job, Phase, format_time
from tap_service.uws.runner import Runner
from tap_service.uws.store import JobStore

#: Job-creation parameters that control the job rather than the query.
CONTROL = ("PHASE", "EXECUTIONDURATION", "DESTRUCTION", "ACTION")
#: How often a WAIT re-reads the job even without a wake-up (should a notification be lost).
WAIT_POLL = 5.0


def _runner(request: Request) -> Runner:
    return service_of(request).runner


def _store(request: Request) -> JobStore:
    return _runner(request).store


def _settings(request: Request) -> Settings:
    return service_of(request).settings


def _async_url(request: Request) -> str:
    return f"{base_url(request)}/async"


def _job_url(request: Request, job_id: str) -> str:
    return f"{_async_url(request)}/{job_id}"


def _to_job(request: Request, job_id: str) -> Response:
    return RedirectResponse(_job_url(request, job_id), status_code=303)


def _text(value: str) -> Response:
    return Response(value, media_type=results.TEXT)


def _xml(body: bytes) -> Response:
    return Response(body, media_type=documents.CONTENT_TYPE)


async def _params(request: Request) -> dict[str, list[str]]:
    params = collect(await forms.parameters(request, _settings(request)))
    check.refuse_nul(params)
    return params


async def _job(request: Request) -> Job:
    return await run_in_threadpool(_store(request).get, _job_id(request))


def _job_id(request: Request) -> str:
    """The job id of the URL; one the database could not even hold (NUL) is no job's."""
    job_id: str = request.path_params["job_id"]
    if "\x00" in job_id:
        raise JobNotFound(f"no job {job_id!r}: job ids are 16 hexadecimal digits")
    return job_id


# -- the job list ------------------------------------------------------------------------------


async def job_list(request: Request) -> Response:
    if request.method == "POST":
        return await create_job(request)
    params = await _params(request)
    phases = [check.phase("PHASE", value) for value in params.get("PHASE", [])]
    after = single(params, "AFTER")
    last = single(params, "LAST")
    jobs = await run_in_threadpool(
        _store(request).list_jobs,
        phases=phases,
        after_time=None if after is None else check.iso_time("AFTER", after),
        last=None if last is None else check.positive("LAST", last),
    )
    return _xml(documents.job_list(jobs, _async_url(request)))


async def create_job(request: Request) -> Response:
    """POST /async: a PENDING job, or QUEUED at once with PHASE=RUN (UWS-6); 303 to it."""
    settings = _settings(request)
    # the file parts first: read (and their temporary files closed) whatever is wrong later
    parts = (
        await file_parts(await forms.read_form(request, settings), settings.upload_limit)
        if request.method == "POST"
        else {}
    )
    params = await _params(request)
    phase = single(params, "PHASE")
    run = False
    if phase is not None:
        if check.action(phase) is not Action.RUN:
            raise BadParameter(f"PHASE={phase!r} cannot create a job: send PHASE=RUN or none")
        run = True
    now = dt.datetime.now(dt.UTC)
    duration = check.execution_duration(settings, single(params, "EXECUTIONDURATION"))
    destruction = check.destruction(settings, now, single(params, "DESTRUCTION"))
    query_params = {name: values for name, values in params.items() if name not in CONTROL}
    # with inline uploads the job is queued only once its files are written
    job = await run_in_threadpool(
        _store(request).create,
        query_params,
        execution_duration=duration,
        destruction_time=destruction,
        phase=Phase.QUEUED if run and not parts else Phase.PENDING,
        service_url=base_url(request),
    )
    if parts:
        runner = _runner(request)
        await run_in_threadpool(save_parts, runner.directory / job.job_id, parts)
        if run:
            await run_in_threadpool(runner.store.act, job.job_id, Action.RUN)
    if run:
        _runner(request).wake()
    return _to_job(request, job.job_id)


# -- one job -----------------------------------------------------------------------------------


async def job(request: Request) -> Response:
    if request.method == "DELETE":
        return await _delete(request)
    params = await _params(request)
    if request.method == "POST":
        action = single(params, "ACTION")
        if action is None or action.strip().upper() != "DELETE":
            raise BadParameter(
                "a job accepts only ACTION=DELETE; POST job parameters to "
                f"{_job_url(request, request.path_params['job_id'])}/parameters"
            )
        return await _delete(request)
    current = await _waited(request, params)
    return _xml(documents.job_document(current, _job_url(request, current.job_id)))


async def _delete(request: Request) -> Response:
    job_id = _job_id(request)
    runner = _runner(request)
    await run_in_threadpool(runner.store.delete, job_id)
    runner.cancel(job_id)
    await run_in_threadpool(runner.discard, job_id)
    return RedirectResponse(_async_url(request), status_code=303)


async def phase(request: Request) -> Response:
    params = await _params(request)
    if request.method == "GET":
        return _text((await _waited(request, params)).phase.value)
    value = single(params, "PHASE")
    if value is None:
        raise BadParameter("POST PHASE=RUN to start the job or PHASE=ABORT to stop it")
    action = check.action(value)
    runner = _runner(request)
    before, _after = await run_in_threadpool(runner.store.act, _job_id(request), action)
    if action is Action.RUN and before.phase is Phase.PENDING:
        runner.wake()
    if action is Action.ABORT and before.phase is Phase.EXECUTING:
        await run_in_threadpool(runner.cancel, before.job_id)
    return _to_job(request, before.job_id)


async def execution_duration(request: Request) -> Response:
    if request.method == "GET":
        return _text(str((await _job(request)).execution_duration))
    params = await _params(request)
    value = single(params, "EXECUTIONDURATION")
    if value is None:
        raise BadParameter("POST EXECUTIONDURATION=<seconds>")
    seconds = check.execution_duration(_settings(request), value)
    job_id = _job_id(request)
    await run_in_threadpool(_store(request).set_execution_duration, job_id, seconds)
    return _to_job(request, job_id)


async def destruction(request: Request) -> Response:
    if request.method == "GET":
        return _text(format_time((await _job(request)).destruction_time))
    params = await _params(request)
    value = single(params, "DESTRUCTION")
    if value is None:
        raise BadParameter("POST DESTRUCTION=<ISO 8601 time, e.g. 2030-01-31T12:00:00Z>")
    current = await _job(request)
    when = check.destruction(_settings(request), current.creation_time, value)
    await run_in_threadpool(_store(request).set_destruction, current.job_id, when)
    return _to_job(request, current.job_id)


async def quote(request: Request) -> Response:
    await _job(request)
    return _text("")  # no prediction: the job runs when a worker is free


async def owner(request: Request) -> Response:
    current = await _job(request)
    return _text(current.owner_id or "")  # anonymous service


async def error(request: Request) -> Response:
    current = await _job(request)
    if current.phase is not Phase.ERROR or current.error_message is None:
        raise NotFound(f"job {current.job_id} has no error: it is {current.phase}")
    return results.error_response(current.error_message, status=200)


async def parameters(request: Request) -> Response:
    if request.method == "GET":
        return _xml(documents.parameters_document(await _job(request)))
    params = await _params(request)
    job_id = _job_id(request)
    await run_in_threadpool(_store(request).set_parameters, job_id, params)
    return _to_job(request, job_id)


async def results_list(request: Request) -> Response:
    current = await _job(request)
    return _xml(documents.results_document(current, _job_url(request, current.job_id)))


async def result(request: Request) -> Response:
    current = await _job(request)
    if current.phase is not Phase.COMPLETED or current.result_type is None:
        raise NotFound(f"job {current.job_id} has no result: it is {current.phase}")
    path = _runner(request).result_path(current.job_id)
    if not path.is_file():
        raise NotFound(f"the result file of job {current.job_id} is gone from the server")
    return FileResponse(path, media_type=current.result_type)


# -- WAIT --------------------------------------------------------------------------------------


async def _waited(request: Request, params: dict[str, list[str]]) -> Job:
    """The job, after blocking as UWS 1.1 WAIT asks (UWS-16), capped at `wait_limit`."""
    current = await _job(request)
    wait = single(params, "WAIT")
    if wait is None:
        return current
    seconds = check.wait_seconds(wait, _settings(request).wait_limit)
    wanted = single(params, "PHASE")
    if wanted is not None and check.phase("PHASE", wanted) is not current.phase:
        return current
    if current.phase not in ACTIVE:
        return current
    changes = service_of(request).changes
    deadline = time.monotonic() + seconds
    while True:
        with changes.watch(current.job_id) as changed:
            latest = await _job(request)
            remaining = deadline - time.monotonic()
            if latest.phase is not current.phase or remaining <= 0:
                return latest
            with anyio.move_on_after(min(remaining, WAIT_POLL)):
                await changed.wait()


#: The job list and each job's resources (UWS 1.1 §2.2), below the async endpoint.
RESOURCES = (
    Resource("", job_list, ("GET", "POST")),
    Resource("/{job_id}", job, ("GET", "POST", "DELETE")),
    Resource("/{job_id}/phase", phase, ("GET", "POST")),
    Resource("/{job_id}/executionduration", execution_duration, ("GET", "POST")),
    Resource("/{job_id}/destruction", destruction, ("GET", "POST")),
    Resource("/{job_id}/quote", quote),
    Resource("/{job_id}/owner", owner),
    Resource("/{job_id}/error", error),
    Resource("/{job_id}/parameters", parameters, ("GET", "POST")),
    Resource("/{job_id}/results", results_list),
    Resource("/{job_id}/results/result", result),
)
