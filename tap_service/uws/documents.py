"""UWS 1.1 XML documents (job, job list, parameters, results), in `UWS.xsd` element order.

Qualified elements in the `uws` namespace, `version="1.1"` on the roots (clients use it to
decide whether to block with WAIT), absolute `xlink:href`s, times with a `Z`, and `ownerId`
present but nil for anonymous jobs (the schema requires it).
"""

from __future__ import annotations

import re

from lxml import etree

from tap_service.uws.model import Job, Phase, format_time

UWS = "http://www.ivoa.net/xml/UWS/v1.0"
XLINK = "http://www.w3.org/1999/xlink"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
NSMAP = {"uws": UWS, "xlink": XLINK, "xsi": XSI}
NIL = f"{{{XSI}}}nil"
HREF = f"{{{XLINK}}}href"
CONTENT_TYPE = "text/xml; charset=UTF-8"
#: Characters XML 1.0 cannot carry (control characters a client may have put in a query).
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _el(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, f"{{{UWS}}}{name}")
    if text is not None:
        element.text = NOT_XML.sub("\ufffd", text)
    return element


def _nillable(parent: etree._Element, name: str, text: str | None) -> None:
    element = _el(parent, name, text)
    if text is None:
        element.set(NIL, "true")


def _root(name: str, *, version: bool = True) -> etree._Element:
    root = etree.Element(f"{{{UWS}}}{name}", nsmap=NSMAP)
    if version:
        root.set("version", "1.1")
    return root


def _serialise(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _time(value: object) -> str | None:
    return None if value is None else format_time(value)  # type: ignore[arg-type]


def job_document(job: Job, job_url: str) -> bytes:
    root = _root("job")
    _el(root, "jobId", job.job_id)
    if job.run_id is not None:
        _el(root, "runId", job.run_id)
    _nillable(root, "ownerId", job.owner_id)
    _el(root, "phase", job.phase.value)
    _nillable(root, "quote", None)
    _el(root, "creationTime", format_time(job.creation_time))
    _nillable(root, "startTime", _time(job.start_time))
    _nillable(root, "endTime", _time(job.end_time))
    _el(root, "executionDuration", str(job.execution_duration))
    _nillable(root, "destruction", format_time(job.destruction_time))
    _parameters(root, job)
    _results(root, job, job_url)
    if job.phase is Phase.ERROR and job.error_message is not None:
        summary = _el(root, "errorSummary")
        summary.set("type", job.error_type or "fatal")
        summary.set("hasDetail", "true")
        _el(summary, "message", job.error_message)
    return _serialise(root)


def job_list(jobs: list[Job], async_url: str) -> bytes:
    root = _root("jobs")
    for job in jobs:
        ref = _el(root, "jobref")
        ref.set("id", job.job_id)
        ref.set(HREF, f"{async_url}/{job.job_id}")
        _el(ref, "phase", job.phase.value)
        if job.run_id is not None:
            _el(ref, "runId", job.run_id)
        _nillable(ref, "ownerId", job.owner_id)
        _el(ref, "creationTime", format_time(job.creation_time))
    return _serialise(root)


def parameters_document(job: Job) -> bytes:
    root = etree.Element(f"{{{UWS}}}parameters", nsmap=NSMAP)
    _fill_parameters(root, job)
    return _serialise(root)


def results_document(job: Job, job_url: str) -> bytes:
    root = etree.Element(f"{{{UWS}}}results", nsmap=NSMAP)
    _fill_results(root, job, job_url)
    return _serialise(root)


def _parameters(root: etree._Element, job: Job) -> None:
    _fill_parameters(_el(root, "parameters"), job)


def _fill_parameters(element: etree._Element, job: Job) -> None:
    for name, values in job.parameters.items():
        for value in values:
            # a name is the client's text too: one with control characters cannot be XML
            _el(element, "parameter", value).set("id", NOT_XML.sub("\ufffd", name))


def _results(root: etree._Element, job: Job, job_url: str) -> None:
    _fill_results(_el(root, "results"), job, job_url)


def _fill_results(element: etree._Element, job: Job, job_url: str) -> None:
    if job.phase is not Phase.COMPLETED or job.result_type is None:
        return
    result = _el(element, "result")
    result.set("id", "result")
    result.set(HREF, f"{job_url}/results/result")
    if job.result_size is not None:
        result.set("size", str(job.result_size))
    result.set("mime-type", job.result_type)
