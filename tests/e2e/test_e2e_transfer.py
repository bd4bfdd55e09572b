"""End to end: every upload and download function, sync and async, against the local deployment's object and queue
services (real HTTP, SQLite, signatures checked with mohawk, scopes enforced)."""

import asyncio
import hashlib
import io
import time

import pytest
import slugid

import taskcluster
import taskcluster.aio
import taskcluster.aio.download
import taskcluster.aio.upload
import taskcluster.download
import taskcluster.upload
from taskcluster.aio.reader_writer import BufferReader, BufferWriter
from taskcluster.exceptions import TaskclusterArtifactError, TaskclusterFailure, TaskclusterRestFailure
from taskcluster.testing import LocalDeployment

QUEUE = "transfer-prov/transfer-worker"
SMALL = b"a small object\n"
LARGE = bytes(range(256)) * 1024  # 256 KiB: uploaded through a put URL in several chunks


def sha256(data):
    return hashlib.sha256(data).hexdigest()


class Side:
    """One side of the API: the sync functions with sync clients, or the async ones with `taskcluster.aio`
    clients, called the same way."""

    def __init__(self, kind, options):
        self.kind = kind
        self.options = options

    def __call__(self, module, function, *args, service="object", options=None, **kwargs):
        key, class_name = ("objectService", "Object") if service == "object" else ("queueService", "Queue")
        options = options or self.options
        if self.kind == "sync":
            with getattr(taskcluster, class_name)(options) as client:
                fn = getattr(getattr(taskcluster, module), function)
                return fn(*args, **{key: client}, **kwargs)

        async def run():
            async with getattr(taskcluster.aio, class_name)(options) as client:
                fn = getattr(getattr(taskcluster.aio, module), function)
                return await fn(*args, **{key: client}, **kwargs)

        return asyncio.run(run())


@pytest.fixture(params=["sync", "async"])
def side(request, taskcluster_deployment):
    return Side(request.param, taskcluster_deployment.options())


def upload_args(name, **extra):
    args = dict(projectId="transfer", name=name, contentType="application/x-test", expires=taskcluster.fromNow("1 day"))
    args.update(extra)
    return args


@pytest.mark.parametrize("data", [SMALL, LARGE, b""], ids=["inline", "put-url", "empty"])
def test_upload_from_buf_then_download_to_buf(side, data):
    name = "transfer/%s/%d" % (side.kind, len(data))
    side("upload", "uploadFromBuf", data=data, **upload_args(name))
    buf, content_type = side("download", "downloadToBuf", name=name)
    assert bytes(buf) == data and content_type == "application/x-test"
    metadata = taskcluster.Object(side.options).object(name)
    assert metadata["hashes"]["sha256"] == sha256(data) and metadata["projectId"] == "transfer"


def test_upload_from_file_then_download_to_file(side, tmp_path):
    source, target = tmp_path / "in.bin", tmp_path / "out.bin"
    source.write_bytes(LARGE)
    name = "transfer/file/%s" % side.kind
    with open(source, "rb") as file:
        side("upload", "uploadFromFile", file=file, **upload_args(name, uploadId=slugid.nice()))
    with open(target, "wb") as file:
        file.write(b"previous content, longer than nothing")
        assert side("download", "downloadToFile", file, name=name) == "application/x-test"
    assert target.read_bytes() == LARGE


def test_upload_and_download_with_reader_and_writer_factories(side):
    name = "transfer/factories/%s" % side.kind
    writers = []
    if side.kind == "sync":

        def reader_factory():
            return io.BytesIO(LARGE)

        def writer_factory():
            writers.append(io.BytesIO())
            return writers[-1]

    else:

        async def reader_factory():
            return BufferReader(LARGE)

        async def writer_factory():
            writers.append(BufferWriter())
            return writers[-1]

    side("upload", "upload", readerFactory=reader_factory, contentLength=len(LARGE), maxRetries=2, **upload_args(name))
    assert side("download", "download", name=name, writerFactory=writer_factory, maxRetries=2) == "application/x-test"
    assert len(writers) == 1 and bytes(writers[0].getbuffer()) == LARGE


def test_download_of_a_missing_object(side):
    with pytest.raises(TaskclusterRestFailure) as info:
        side("download", "downloadToBuf", name="transfer/never-uploaded")
    assert info.value.status_code == 404 and "startDownload" in str(info.value)


def test_upload_without_the_scope_is_refused(side, taskcluster_deployment):
    limited = taskcluster_deployment.create_client("transfer/limited", ["object:upload:other-project:*"])
    options = {"rootUrl": taskcluster_deployment.rootUrl, "credentials": limited}
    with pytest.raises(TaskclusterRestFailure) as info:
        side("upload", "uploadFromBuf", data=SMALL, options=options, **upload_args("transfer/denied"))
    assert info.value.status_code == 403 and "object:upload:transfer:transfer/denied" in str(info.value)


def test_an_upload_whose_put_url_expired_is_refused_and_not_finished():
    now = [time.time()]
    with LocalDeployment(clock=lambda: now[0]) as tc, taskcluster.Object(tc.options()) as objects:

        def late_reader():
            now[0] += 2 * 3600  # the put URL lives one hour
            return io.BytesIO(LARGE)

        with pytest.raises(TaskclusterRestFailure) as info:
            taskcluster.upload.upload(
                readerFactory=late_reader, contentLength=len(LARGE), objectService=objects, **upload_args("late")
            )
        assert info.value.status_code == 403 and "'late'" in str(info.value)
        now[0] = time.time()  # back to the clients' clock, so their signatures are accepted again
        with pytest.raises(TaskclusterRestFailure) as missing:
            objects.object("late")
        assert missing.value.status_code == 404


# -- artifacts ----------------------------------------------------------------------------------------------


def running_task(tc):
    """A claimed task (run 0 running) and the credentials the queue handed its worker."""
    queue = taskcluster.Queue(tc.options())
    task_id = slugid.nice()
    queue.createTask(
        task_id,
        {
            "taskQueueId": QUEUE,
            "projectId": "transfer",
            "created": taskcluster.fromNowJSON("0 seconds"),
            "deadline": taskcluster.fromNowJSON("1 hour"),
            "payload": {},
            "metadata": {"name": "t", "description": "d", "owner": "o@example.com", "source": "https://example.com"},
        },
    )
    (claim,) = queue.claimWork(QUEUE, {"workerGroup": "g", "workerId": "w", "tasks": 1})["tasks"]
    queue.close()
    return task_id, claim["credentials"]


@pytest.fixture
def artifacts(taskcluster_deployment):
    """A task with one artifact of each storage type, created through the clients as a worker would."""
    tc = taskcluster_deployment
    task_id, creds = running_task(tc)
    worker = taskcluster.Queue({"rootUrl": tc.rootUrl, "credentials": creds})
    expires = taskcluster.fromNowJSON("1 hour")
    s3 = worker.createArtifact(
        task_id, 0, "public/s3.bin", {"storageType": "s3", "expires": expires, "contentType": "application/x-s3"}
    )
    taskcluster.utils.makeHttpRequest("put", s3["putUrl"], LARGE, {"Content-Type": "application/x-s3"})
    s3_url = worker.buildUrl("getArtifact", task_id, 0, "public/s3.bin")
    worker.createArtifact(
        task_id,
        0,
        "public/ref",
        {"storageType": "reference", "expires": expires, "contentType": "text/plain", "url": s3_url},
    )
    created = worker.createArtifact(
        task_id, 0, "private/obj.txt", {"storageType": "object", "expires": expires, "contentType": "text/plain"}
    )
    with taskcluster.Object({"rootUrl": tc.rootUrl, "credentials": created["credentials"]}) as uploader:
        taskcluster.upload.uploadFromBuf(
            projectId=created["projectId"], name=created["name"], contentType="text/plain", expires=expires,
            uploadId=created["uploadId"], data=SMALL, objectService=uploader,
        )  # fmt: skip
    worker.finishArtifact(task_id, 0, "private/obj.txt", {"uploadId": created["uploadId"]})
    worker.createArtifact(
        task_id,
        0,
        "public/err",
        {"storageType": "error", "expires": expires, "reason": "file-missing-on-worker", "message": "no such file"},
    )
    worker.close()
    return task_id


@pytest.mark.parametrize(
    "name, data, content_type",
    [("public/s3.bin", LARGE, "application/x-s3"), ("public/ref", LARGE, "application/x-s3"),
     ("private/obj.txt", SMALL, "text/plain")],
)  # fmt: skip
def test_download_artifact_of_each_storage_type(side, artifacts, name, data, content_type):
    buf, got_type = side("download", "downloadArtifactToBuf", service="queue", taskId=artifacts, name=name)
    assert bytes(buf) == data and got_type == content_type
    same, _ = side("download", "downloadArtifactToBuf", service="queue", taskId=artifacts, runId=0, name=name)
    assert bytes(same) == data


def test_download_artifact_to_file(side, artifacts, tmp_path):
    path = tmp_path / "artifact.bin"
    with open(path, "wb") as file:
        side("download", "downloadArtifactToFile", file, service="queue", taskId=artifacts, name="public/s3.bin")
    assert path.read_bytes() == LARGE


def test_error_artifact_raises_the_artifact_error(side, artifacts, tmp_path):
    path = tmp_path / "err.bin"
    with open(path, "wb") as file, pytest.raises(TaskclusterArtifactError) as info:
        side("download", "downloadArtifactToFile", file, service="queue", taskId=artifacts, name="public/err")
    assert info.value.reason == "file-missing-on-worker" and "no such file" in str(info.value)
    assert path.read_bytes() == b""


def test_missing_artifact(side, artifacts):
    with pytest.raises(TaskclusterFailure) as info:
        side("download", "downloadArtifactToBuf", service="queue", taskId=artifacts, name="public/none")
    assert getattr(info.value, "status_code", None) == 404
