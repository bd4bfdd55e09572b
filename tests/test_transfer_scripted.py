"""Object upload and download against a scripted loopback server: the retry and failure cases, through the sync
(`taskcluster.upload`/`download`) and the async (`taskcluster.aio.upload`/`download`) functions alike."""

import asyncio
import base64
import hashlib
import io
import json
import threading

import pytest

import taskcluster
import taskcluster.aio
import taskcluster.aio.download
import taskcluster.aio.upload
import taskcluster.download
import taskcluster.upload
from scripted_server import DROP, Reply
from taskcluster.exceptions import (
    ObjectHashVerificationError,
    TaskclusterArtifactError,
    TaskclusterConnectionError,
    TaskclusterFailure,
    TaskclusterRestFailure,
)

DATA = bytes(range(256)) * 40  # 10240 bytes: above the inline limit
SMALL = b"small object"
FUTURE = "2999-01-01T00:00:00.000Z"
PAST = "2000-01-01T00:00:00.000Z"


def hashes(data):
    return {"sha256": hashlib.sha256(data).hexdigest(), "sha512": hashlib.sha512(data).hexdigest()}


class Transfers:
    """Runs one function of taskcluster.upload/download (sync) or taskcluster.aio.upload/download (async) with a
    client of the matching kind for `service` ('object' or 'queue')."""

    def __init__(self, kind, options):
        self.kind = kind
        self.options = options

    def __call__(self, module, function, *args, service="object", **kwargs):
        key = "objectService" if service == "object" else "queueService"
        class_name = "Object" if service == "object" else "Queue"
        if self.kind == "sync":
            with getattr(taskcluster, class_name)(self.options) as client:
                fn = getattr(getattr(taskcluster, module), function)
                return fn(*args, **{key: client}, **kwargs)

        async def run():
            async with getattr(taskcluster.aio, class_name)(self.options) as client:
                fn = getattr(getattr(taskcluster.aio, module), function)
                return await fn(*args, **{key: client}, **kwargs)

        return asyncio.run(run())


@pytest.fixture(params=["sync", "async"])
def transfer(request, options):
    return Transfers(request.param, dict(options, maxRetries=0))


def create_upload_reply(server, method):
    return Reply(json_body={"projectId": "p", "uploadId": "u", "expires": FUTURE, "uploadMethod": method})


def put_url_method(server):
    return {"putUrl": {"url": server.root_url + "/put", "expires": FUTURE, "headers": {"Content-Type": "text/x"}}}


UPLOAD = dict(projectId="proj", name="some/object", contentType="text/x", expires=FUTURE, maxRetries=2)


def requests_to(server, method, path_prefix):
    return [r for r in server.requests if r.method == method and r.path.startswith(path_prefix)]


# -- uploads ---------------------------------------------------------------------------------------------------


def test_put_url_upload_retries_a_server_error_and_finishes_with_the_hashes(server, transfer):
    server.add(create_upload_reply(server, put_url_method(server)), Reply(500), Reply(200), Reply(json_body={}))
    transfer("upload", "uploadFromBuf", data=DATA, contentLength=len(DATA), uploadId="fixedUploadId", **UPLOAD)
    create, put1, put2, finish = server.requests
    assert create.path == "/api/object/v1/upload/some%2Fobject" and create.signed
    proposal = json.loads(create.body)
    assert proposal["uploadId"] == "fixedUploadId" and proposal["projectId"] == "proj"
    assert proposal["proposedUploadMethods"] == {"putUrl": {"contentType": "text/x", "contentLength": len(DATA)}}
    for put in (put1, put2):
        assert (put.method, put.path, put.body) == ("PUT", "/put", DATA)
        assert put.headers["Content-Length"] == str(len(DATA)) and put.headers["Content-Type"] == "text/x"
        assert "Authorization" not in put.headers and "Transfer-Encoding" not in put.headers
    assert finish.path == "/api/object/v1/finish-upload/some%2Fobject"
    assert json.loads(finish.body) == {"projectId": "proj", "uploadId": "fixedUploadId", "hashes": hashes(DATA)}


def test_small_objects_are_proposed_inline(server, transfer):
    server.add(create_upload_reply(server, {"dataInline": True}), Reply(json_body={}))
    transfer("upload", "uploadFromBuf", data=SMALL, **UPLOAD)
    create, finish = server.requests
    proposed = json.loads(create.body)["proposedUploadMethods"]
    assert base64.b64decode(proposed["dataInline"]["objectData"]) == SMALL
    assert proposed["putUrl"]["contentLength"] == len(SMALL)
    assert json.loads(finish.body)["hashes"] == hashes(SMALL)
    assert len(json.loads(create.body)["uploadId"]) == 22  # a fresh slugid when none is given


def test_upload_from_a_file_rewinds_it_for_each_attempt(server, transfer, tmp_path):
    path = tmp_path / "data.bin"
    path.write_bytes(DATA)
    server.add(create_upload_reply(server, put_url_method(server)), DROP, Reply(200), Reply(json_body={}))
    with open(path, "rb") as file:
        file.read(100)
        transfer("upload", "uploadFromFile", file=file, **UPLOAD)
    puts = requests_to(server, "PUT", "/put")
    assert puts[-1].body == DATA
    assert json.loads(server.requests[-1].body)["hashes"] == hashes(DATA)


def test_put_url_client_error_is_not_retried_and_names_the_object(server, transfer):
    server.add(create_upload_reply(server, put_url_method(server)), Reply(403, body=b"<Error>AccessDenied</Error>"))
    with pytest.raises(TaskclusterRestFailure) as info:
        transfer("upload", "uploadFromBuf", data=DATA, **UPLOAD)
    assert info.value.status_code == 403
    assert "'some/object'" in str(info.value) and "403" in str(info.value) and "AccessDenied" in str(info.value)
    assert len(server.requests) == 2  # no retry, no finishUpload


def test_put_url_server_errors_outlasting_the_retries(server, transfer):
    server.add(create_upload_reply(server, put_url_method(server)), Reply(503), Reply(502), Reply(500))
    with pytest.raises(TaskclusterRestFailure) as info:
        transfer("upload", "uploadFromBuf", data=DATA, **UPLOAD)
    assert info.value.status_code == 500 and "after 3 attempt(s)" in str(info.value)
    assert len(requests_to(server, "POST", "/api/object/v1/finish-upload")) == 0


def test_put_url_connection_failures_become_a_connection_error(server, transfer):
    server.add(create_upload_reply(server, put_url_method(server)), DROP, DROP, DROP)
    with pytest.raises(TaskclusterConnectionError) as info:
        transfer("upload", "uploadFromBuf", data=DATA, **UPLOAD)
    assert "'some/object'" in str(info.value)
    assert len(requests_to(server, "POST", "/api/object/v1/finish-upload")) == 0


def test_signatures_of_storage_urls_and_errors_stay_out_of_exceptions(server, transfer):
    import pickle

    signed = {"url": server.root_url + "/put?X-Amz-Signature=SECRETSIG&X-Amz-Expires=60", "headers": {}}
    storage_error = b"<Error><Code>SignatureDoesNotMatch</Code><SignatureProvided>SECRETSIG</SignatureProvided></Error>"
    server.add(create_upload_reply(server, {"putUrl": signed}), Reply(403, body=storage_error))
    with pytest.raises(TaskclusterRestFailure) as refused:
        transfer("upload", "uploadFromBuf", data=DATA, **UPLOAD)
    assert "SignatureDoesNotMatch" in str(refused.value)
    unreachable = {"url": "http://127.0.0.1:1/put?X-Amz-Signature=SECRETSIG", "headers": {}}  # requests names it
    server.add(create_upload_reply(server, {"putUrl": unreachable}))
    with pytest.raises(TaskclusterConnectionError) as dropped:
        transfer("upload", "uploadFromBuf", data=DATA, **UPLOAD)
    for failure in (refused.value, dropped.value):
        assert "SECRETSIG" not in str(failure) and "SECRETSIG" not in repr(failure)
        assert b"SECRETSIG" not in pickle.dumps(failure)


def test_no_acceptable_upload_method(server, transfer):
    server.add(create_upload_reply(server, {}))
    with pytest.raises(TaskclusterFailure) as info:
        transfer("upload", "uploadFromBuf", data=DATA, **UPLOAD)
    assert "accepted none of the proposed upload methods" in str(info.value)


@pytest.mark.parametrize("data, length, fragment", [(DATA, len(DATA) + 5, "ended after"), (DATA, 9000, "more than")])
def test_content_length_that_does_not_match_the_data(server, transfer, data, length, fragment):
    server.add(create_upload_reply(server, put_url_method(server)), Reply(200), Reply(200), Reply(200))
    with pytest.raises(TaskclusterFailure) as info:
        transfer("upload", "uploadFromBuf", data=data, contentLength=length, **UPLOAD)
    assert fragment in str(info.value) and "'some/object'" in str(info.value)
    assert len(requests_to(server, "PUT", "/put")) <= 1  # never retried
    assert len(requests_to(server, "POST", "/api/object/v1/finish-upload")) == 0


def test_small_content_length_mismatch_fails_before_anything_is_sent(server, transfer):
    with pytest.raises(TaskclusterFailure) as info:
        transfer("upload", "uploadFromBuf", data=SMALL, contentLength=len(SMALL) + 1, **UPLOAD)
    assert "contentLength" in str(info.value)
    assert server.requests == []


def test_a_text_mode_file_is_refused_before_anything_is_sent(server, transfer, tmp_path):
    path = tmp_path / "text.txt"
    path.write_text("hello")
    with open(path) as file, pytest.raises(TaskclusterFailure) as info:
        transfer("upload", "uploadFromFile", file=file, **UPLOAD)
    assert "binary mode" in str(info.value)
    assert server.requests == []


# -- downloads -------------------------------------------------------------------------------------------------


def get_url_reply(server, data, expires=FUTURE, digests=None):
    body = {"method": "getUrl", "url": server.root_url + "/data", "expires": expires}
    body["hashes"] = hashes(data) if digests is None else digests
    return Reply(json_body=body)


def data_reply(data, content_type="application/x-thing"):
    return Reply(200, body=data, headers={"Content-Type": content_type})


def test_download_to_buf_by_get_url(server, transfer):
    server.add(get_url_reply(server, DATA), data_reply(DATA))
    buf, content_type = transfer("download", "downloadToBuf", name="some/object")
    assert bytes(buf) == DATA and content_type == "application/x-thing"
    start = server.requests[0]
    assert start.path == "/api/object/v1/start-download/some%2Fobject" and start.signed
    assert json.loads(start.body) == {"acceptDownloadMethods": {"getUrl": True, "simple": True}}
    assert "Authorization" not in server.requests[1].headers


def test_download_to_file_retries_and_rewrites_the_file(server, transfer, tmp_path):
    server.add(get_url_reply(server, DATA), Reply(500), DROP, data_reply(DATA))
    path = tmp_path / "out.bin"
    with open(path, "wb") as file:
        file.write(b"old content that must go")
        assert transfer("download", "downloadToFile", file, name="some/object", maxRetries=3)
    assert path.read_bytes() == DATA


def test_an_expired_get_url_is_renewed_before_a_retry(server, transfer):
    server.add(get_url_reply(server, DATA, expires=PAST), Reply(500), get_url_reply(server, DATA), data_reply(DATA))
    buf, _ = transfer("download", "downloadToBuf", name="some/object", maxRetries=2)
    assert bytes(buf) == DATA
    starts = [r for r in server.requests if r.path.startswith("/api/object/v1/start-download/")]
    assert len(starts) == 2


def test_a_refused_get_url_past_its_expiry_is_renewed_and_retried(server, transfer):
    server.add(get_url_reply(server, DATA, expires=PAST), Reply(403), get_url_reply(server, DATA), data_reply(DATA))
    buf, _ = transfer("download", "downloadToBuf", name="some/object", maxRetries=1)
    assert bytes(buf) == DATA
    assert [r.method for r in server.requests] == ["PUT", "GET", "PUT", "GET"]


def test_a_refused_get_url_still_valid_is_not_retried(server, transfer):
    server.add(get_url_reply(server, DATA), Reply(403))
    with pytest.raises(TaskclusterRestFailure) as info:
        transfer("download", "downloadToBuf", name="some/object", maxRetries=3)
    assert info.value.status_code == 403 and len(server.requests) == 2


def test_simple_download_is_verified_against_the_object_metadata(server, transfer):
    server.add(
        Reply(json_body={"method": "simple", "url": server.root_url + "/data"}),
        data_reply(DATA),
        Reply(json_body={"projectId": "p", "expires": FUTURE, "hashes": hashes(DATA)}),
    )
    buf, _ = transfer("download", "downloadToBuf", name="obj")
    assert bytes(buf) == DATA
    assert server.requests[2].path == "/api/object/v1/metadata/obj"


@pytest.mark.parametrize(
    "digests, fragment",
    [
        ({"sha256": "0" * 64, "sha512": hashes(DATA)["sha512"]}, "sha256 hash"),
        ({}, "no sha256 or sha512"),
        ({"md5": "x"}, "no sha256 or sha512"),
    ],
)
def test_hash_verification_failures_leave_no_file_content(server, transfer, tmp_path, digests, fragment):
    server.add(get_url_reply(server, DATA, digests=digests), data_reply(DATA))
    path = tmp_path / "out.bin"
    with open(path, "wb+") as file, pytest.raises(ObjectHashVerificationError) as info:
        transfer("download", "downloadToFile", file, name="some/object")
    assert fragment in str(info.value) and "'some/object'" in str(info.value)
    assert path.read_bytes() == b""
    assert len(server.requests) == 2  # a hash mismatch is not retried


def test_download_of_a_missing_object(server, transfer):
    server.add(Reply(404, json_body={"code": "ResourceNotFound", "message": "no such object"}))
    with pytest.raises(TaskclusterRestFailure) as info:
        transfer("download", "downloadToBuf", name="missing")
    assert info.value.status_code == 404 and "startDownload" in str(info.value)


def test_storage_answering_404_is_not_retried(server, transfer, tmp_path):
    server.add(get_url_reply(server, DATA), Reply(404, body=b"gone"))
    path = tmp_path / "out.bin"
    with open(path, "wb") as file, pytest.raises(TaskclusterRestFailure) as info:
        transfer("download", "downloadToFile", file, name="some/object", maxRetries=3)
    assert info.value.status_code == 404 and "'some/object'" in str(info.value)
    assert len(server.requests) == 2 and path.read_bytes() == b""


def test_unknown_download_method(server, transfer):
    server.add(Reply(json_body={"method": "carrierPigeon"}))
    with pytest.raises(TaskclusterFailure) as info:
        transfer("download", "downloadToBuf", name="obj")
    assert "carrierPigeon" in str(info.value)


def test_a_read_only_file_is_refused_before_anything_is_sent(server, transfer, tmp_path):
    path = tmp_path / "ro.bin"
    path.write_bytes(b"keep")
    with open(path, "rb") as file, pytest.raises(TaskclusterFailure) as info:
        transfer("download", "downloadToFile", file, name="obj")
    assert "not open for writing" in str(info.value)
    assert server.requests == [] and path.read_bytes() == b"keep"


# -- artifacts -------------------------------------------------------------------------------------------------


def test_s3_and_reference_artifacts_are_fetched_from_their_url(server, transfer):
    for storage in ("s3", "reference"):
        server.requests.clear()
        server.add(
            Reply(json_body={"storageType": storage, "url": server.root_url + "/a"}), Reply(503), data_reply(DATA)
        )
        buf, content_type = transfer(
            "download", "downloadArtifactToBuf", service="queue", taskId="T", name="public/a.bin", maxRetries=1
        )
        assert bytes(buf) == DATA and content_type == "application/x-thing"
        assert server.requests[0].path == "/api/queue/v1/task/T/artifact-content/public%2Fa.bin"


def test_artifact_of_a_given_run(server, transfer):
    server.add(Reply(json_body={"storageType": "s3", "url": server.root_url + "/a"}), data_reply(SMALL))
    buf, _ = transfer("download", "downloadArtifactToBuf", service="queue", taskId="T", runId=0, name="public/a")
    assert bytes(buf) == SMALL
    assert server.requests[0].path == "/api/queue/v1/task/T/runs/0/artifact-content/public%2Fa"


def test_error_artifact(server, transfer):
    server.add(Reply(json_body={"storageType": "error", "reason": "file-missing-on-worker", "message": "gone"}))
    with pytest.raises(TaskclusterArtifactError) as info:
        transfer("download", "downloadArtifactToBuf", service="queue", taskId="T", name="public/log")
    assert info.value.reason == "file-missing-on-worker" and "gone" in str(info.value)


def test_unknown_storage_type(server, transfer):
    server.add(Reply(json_body={"storageType": "azure"}))
    with pytest.raises(TaskclusterFailure) as info:
        transfer("download", "downloadArtifactToBuf", service="queue", taskId="T", name="public/x")
    assert "'azure'" in str(info.value) and "'public/x'" in str(info.value)


# -- the sync functions need no event loop of their own ------------------------------------------------------------


def test_sync_download_inside_a_running_event_loop(server, options):
    server.add(get_url_reply(server, DATA), data_reply(DATA))

    async def main():
        with taskcluster.Object(options) as objects:
            return taskcluster.download.downloadToBuf(name="obj", objectService=objects)

    buf, _ = asyncio.run(main())
    assert bytes(buf) == DATA


def test_sync_upload_from_a_thread_while_a_loop_runs_elsewhere(server, options):
    server.add(create_upload_reply(server, {"dataInline": True}), Reply(json_body={}))
    errors = []

    def worker():
        try:
            with taskcluster.Object(options) as objects:
                taskcluster.upload.uploadFromBuf(data=SMALL, objectService=objects, **UPLOAD)
        except BaseException as exc:  # reported to the test below
            errors.append(exc)

    async def main():
        thread = threading.Thread(target=worker)
        thread.start()
        while thread.is_alive():
            await asyncio.sleep(0.01)

    asyncio.run(main())
    assert errors == [] and len(server.requests) == 2


def test_sync_functions_accept_an_async_object_client(server, options):
    server.add(get_url_reply(server, SMALL), data_reply(SMALL))
    buf, _ = taskcluster.download.downloadToBuf(name="obj", objectService=taskcluster.aio.Object(options))
    assert bytes(buf) == SMALL


def test_async_functions_accept_a_sync_object_client(server, options):
    server.add(get_url_reply(server, SMALL), data_reply(SMALL))

    async def main():
        with taskcluster.Object(options) as objects:
            return await taskcluster.aio.download.downloadToBuf(name="obj", objectService=objects)

    buf, _ = asyncio.run(main())
    assert bytes(buf) == SMALL


def test_buffer_helpers_of_the_async_modules():
    from taskcluster.aio.reader_writer import BufferReader, BufferWriter, streamingCopy

    async def main():
        writer = taskcluster.aio.download.HashingWriter(BufferWriter())
        reader = taskcluster.aio.upload.HashingReader(BufferReader(DATA))
        await streamingCopy(reader, writer)
        return reader, writer

    reader, writer = asyncio.run(main())
    assert bytes(writer.inner.getbuffer()) == DATA and reader.bytes == len(DATA)
    assert reader.hashes(len(DATA)) == writer.hashes() == hashes(DATA)
    with pytest.raises(TaskclusterFailure):
        reader.hashes(len(DATA) + 1)
    taskcluster.aio.download.verifyHashes(hashes(DATA), hashes(DATA))
    with pytest.raises(ObjectHashVerificationError):
        taskcluster.aio.download.verifyHashes(hashes(DATA), hashes(b"other"))
    assert io.BytesIO  # the sync side uses plain file objects as readers and writers
