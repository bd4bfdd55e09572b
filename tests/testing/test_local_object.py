"""The object service of the local deployment, and queue artifacts stored in it (storageType ``object``)."""

import base64
import hashlib
import time
from urllib.parse import quote

import pytest
import requests
import slugid
from tc_local_helpers import Api, assert_error, iso, task_definition

import taskcluster

DATA = b"object bytes \x00\x01\xff"


def q(name):
    return quote(name, safe="")


def digests(data):
    return {"sha256": hashlib.sha256(data).hexdigest(), "sha512": hashlib.sha512(data).hexdigest()}


def inline(data, content_type="application/x-test"):
    return {"dataInline": {"contentType": content_type, "objectData": base64.b64encode(data).decode()}}


def put_url(length, content_type="text/plain"):
    return {"putUrl": {"contentType": content_type, "contentLength": length}}


def create_upload(api, name, methods, project="proj", upload_id=None, expires=None, **kwargs):
    payload = {
        "projectId": project,
        "uploadId": upload_id or slugid.nice(),
        "expires": expires or iso(3600),
        "proposedUploadMethods": methods,
    }
    payload.update(kwargs.pop("extra", {}))
    return api.call("PUT", "object", "/upload/" + q(name), payload, **kwargs)


def finish(api, name, upload_id, project="proj", hashes=None, **kwargs):
    payload = {"projectId": project, "uploadId": upload_id}
    if hashes is not None:
        payload["hashes"] = hashes
    return api.call("POST", "object", "/finish-upload/" + q(name), payload, **kwargs)


def start_download(api, name, methods=None, **kwargs):
    accept = {"getUrl": True} if methods is None else methods
    return api.call("PUT", "object", "/start-download/" + q(name), {"acceptDownloadMethods": accept}, **kwargs)


def upload_inline(api, name, data=DATA, upload_id=None, **kwargs):
    """An uploaded and finished object; returns its uploadId."""
    upload_id = upload_id or slugid.nice()
    response = create_upload(api, name, inline(data), upload_id=upload_id, **kwargs)
    assert response.status_code == 200, response.text
    assert finish(api, name, upload_id, project=kwargs.get("project", "proj")).status_code == 200
    return upload_id


@pytest.fixture
def moving(taskcluster_deployment_factory):
    """A dedicated deployment whose clock the test moves: (deployment, api signing with that clock, offset)."""
    offset = [0.0]
    tc = taskcluster_deployment_factory(clock=lambda: time.time() + offset[0])

    class ClockedApi(Api):
        def call(self, *args, **kwargs):
            kwargs.setdefault("ts", int(time.time() + offset[0]))
            return super().call(*args, **kwargs)

    api = ClockedApi(tc.rootUrl, tc.credentials)
    yield tc, api, offset
    api.close()


# -- uploads and downloads ----------------------------------------------------------------------------------
def test_data_inline_upload_then_get_url_download(api):
    upload_id = slugid.nice()
    expires = iso(3600)
    created = create_upload(api, "my/obj", inline(DATA), upload_id=upload_id, expires=expires)
    assert created.status_code == 200, created.text
    assert created.json() == {
        "projectId": "proj",
        "uploadId": upload_id,
        "expires": expires,
        "uploadMethod": {"dataInline": True},
    }
    # not readable before finishUpload
    assert_error(start_download(api, "my/obj"), 404, "ResourceNotFound")
    assert finish(api, "my/obj", upload_id, hashes={"sha256": digests(DATA)["sha256"]}).json() == {}

    answer = start_download(api, "my/obj").json()
    assert answer["method"] == "getUrl" and answer["hashes"] == digests(DATA)
    assert answer["url"].startswith(api.root_url + "/__objects/") and "/api/" not in answer["url"]
    assert iso(3500) < answer["expires"] < iso(3700)  # an hour
    fetched = requests.get(answer["url"])
    assert fetched.status_code == 200 and fetched.content == DATA
    assert fetched.headers["Content-Type"] == "application/x-test"
    head = requests.head(answer["url"])
    assert head.status_code == 200 and head.headers["Content-Length"] == str(len(DATA))


def test_put_url_upload_then_finish_and_download(api):
    upload_id = slugid.nice()
    created = create_upload(api, "put/obj", put_url(len(DATA)), upload_id=upload_id)
    assert created.status_code == 200, created.text
    method = created.json()["uploadMethod"]["putUrl"]
    assert method["url"].startswith(api.root_url + "/__objects/upload/")
    assert method["headers"] == {"Content-Type": "text/plain", "Content-Length": str(len(DATA))}
    assert iso(3500) < method["expires"] < iso(3700)
    # finishing before the bytes arrived is refused
    assert "put/obj" in assert_error(finish(api, "put/obj", upload_id), 409, "RequestConflict")["message"]
    put = requests.put(method["url"], data=DATA, headers=method["headers"])
    assert put.status_code == 200, put.text
    assert finish(api, "put/obj", upload_id, hashes=digests(DATA)).status_code == 200
    assert finish(api, "put/obj", upload_id, hashes=digests(DATA)).status_code == 200  # idempotent
    answer = start_download(api, "put/obj").json()
    fetched = requests.get(answer["url"])
    assert fetched.content == DATA and fetched.headers["Content-Type"] == "text/plain"
    # a finished upload's put URL takes no more bytes
    assert requests.put(method["url"], data=DATA, headers=method["headers"]).status_code == 404


def test_data_inline_is_preferred_and_no_acceptable_method_is_empty(api):
    both = dict(inline(b"x"), **put_url(1))
    assert create_upload(api, "pref", both).json()["uploadMethod"] == {"dataInline": True}
    assert create_upload(api, "none", {}).json()["uploadMethod"] == {}


def test_put_url_refuses_a_body_of_another_length(api):
    upload_id = slugid.nice()
    method = create_upload(api, "len", put_url(len(DATA)), upload_id=upload_id).json()["uploadMethod"]["putUrl"]
    short = requests.put(method["url"], data=DATA[:-1], headers=method["headers"])
    assert short.status_code == 400 and "contentLength" in short.json()["message"]
    long = requests.put(method["url"], data=DATA + b"!", headers=method["headers"])
    assert long.status_code == 400
    assert_error(finish(api, "len", upload_id), 409, "RequestConflict")  # nothing was stored
    assert requests.put(method["url"], data=DATA, headers=method["headers"]).status_code == 200
    assert finish(api, "len", upload_id).status_code == 200


def test_finish_upload_with_a_wrong_hash_is_400(api):
    upload_id = slugid.nice()
    assert create_upload(api, "hashed", inline(DATA), upload_id=upload_id).status_code == 200
    wrong = {"sha256": hashlib.sha256(b"other").hexdigest()}
    body = assert_error(finish(api, "hashed", upload_id, hashes=wrong), 400, "InputValidationError")
    assert "'hashed'" in body["message"] and "sha256" in body["message"]
    assert_error(api.call("GET", "object", "/metadata/hashed"), 404, "ResourceNotFound")
    # hashes announced by createUpload are checked too
    announced = {"sha512": hashlib.sha512(b"other").hexdigest()}
    other_id = slugid.nice()
    response = create_upload(api, "announced", inline(DATA), upload_id=other_id, extra={"hashes": announced})
    assert response.status_code == 200
    assert "sha512" in assert_error(finish(api, "announced", other_id), 400, "InputValidationError")["message"]
    bad_hex = finish(api, "hashed", upload_id, hashes={"sha256": "XYZ"})
    assert "sha256" in assert_error(bad_hex, 400, "InputValidationError")["message"]


def test_create_upload_is_idempotent_and_conflicts(api):
    upload_id, expires = slugid.nice(), iso(3600)
    first = create_upload(api, "idem", put_url(3), upload_id=upload_id, expires=expires)
    again = create_upload(api, "idem", put_url(3), upload_id=upload_id, expires=expires)
    assert first.status_code == again.status_code == 200 and first.json() == again.json()
    assert_error(create_upload(api, "idem", put_url(3), expires=expires), 409, "RequestConflict")
    assert_error(create_upload(api, "idem", put_url(3), upload_id=upload_id), 409, "RequestConflict")  # expires
    assert_error(finish(api, "idem", slugid.nice()), 400, "InputValidationError")  # another uploadId
    assert_error(finish(api, "idem", upload_id, project="other"), 400, "InputValidationError")
    done = upload_inline(api, "done", expires=expires)
    assert_error(create_upload(api, "done", inline(b"new"), expires=expires), 409, "RequestConflict")
    # finished objects are immutable, even for the same uploadId and parameters
    same = create_upload(api, "done", inline(b"new"), upload_id=done, expires=expires)
    assert "finished" in assert_error(same, 409, "RequestConflict")["message"]
    assert requests.get(start_download(api, "done").json()["url"]).content == DATA  # unchanged


def test_create_upload_checks_its_input(api):
    bad_type = create_upload(api, "ct", inline(b"x", content_type="text/plain\r\nX-Evil: 1"))
    assert "contentType" in assert_error(bad_type, 400, "InputValidationError")["message"]
    bad_data = create_upload(api, "b64", {"dataInline": {"contentType": "text/plain", "objectData": "***"}})
    assert "base64" in assert_error(bad_data, 400, "InputValidationError")["message"]
    assert_error(create_upload(api, "past", inline(b"x"), expires=iso(-60)), 400, "InputValidationError")
    assert_error(create_upload(api, "neg", put_url(-1)), 400, "InputValidationError")
    assert_error(create_upload(api, "slug", inline(b"x"), upload_id="not-a-slug"), 400, "InputValidationError")


def test_simple_download_method(api):
    upload_inline(api, "simple/one")
    answer = start_download(api, "simple/one", {"simple": True}).json()
    assert set(answer) == {"method", "url"} and answer["method"] == "simple"
    assert requests.get(answer["url"]).content == DATA
    both = start_download(api, "simple/one", {"simple": True, "getUrl": True}).json()
    assert both["method"] == "getUrl"
    assert_error(start_download(api, "simple/one", {}), 406, "NoMatchingMethod")
    unknown = start_download(api, "simple/one", {"carrierPigeon": True})
    assert_error(unknown, 400, "InputValidationError")


def test_object_metadata_and_download_redirect(api, tc):
    expires = iso(3600)
    upload_inline(api, "meta/obj", expires=expires, project="my-project")
    assert api.call("GET", "object", "/metadata/" + q("meta/obj")).json() == {
        "projectId": "my-project",
        "expires": expires,
        "hashes": digests(DATA),
    }
    redirect = api.call("GET", "object", "/download/" + q("meta/obj"))
    assert redirect.status_code == 303
    location = redirect.headers["Location"]
    assert location.startswith(api.root_url + "/__objects/")
    assert requests.get(location).content == DATA
    # a signed URL of `download`, fetched by a plain HTTP client, follows the redirect to the bytes
    fetched = requests.get(api.signed_url("object", "/download/" + q("meta/obj")))
    assert fetched.status_code == 200 and fetched.content == DATA
    assert [r.status_code for r in fetched.history] == [303]


def test_expired_put_url(moving):
    tc, api, offset = moving
    upload_id, expires = slugid.nice(), iso(7 * 24 * 3600)
    method = create_upload(api, "late", put_url(len(DATA)), upload_id=upload_id, expires=expires).json()
    method = method["uploadMethod"]["putUrl"]
    offset[0] += 3601
    late = requests.put(method["url"], data=DATA, headers=method["headers"])
    assert late.status_code == 403 and "expired" in late.json()["message"]
    # asking again gives a fresh put URL
    renewed = create_upload(api, "late", put_url(len(DATA)), upload_id=upload_id, expires=expires).json()
    renewed = renewed["uploadMethod"]["putUrl"]
    assert renewed["url"] != method["url"]
    assert requests.put(renewed["url"], data=DATA, headers=renewed["headers"]).status_code == 200
    assert finish(api, "late", upload_id).status_code == 200


def test_expired_download_url(moving):
    tc, api, offset = moving
    upload_inline(api, "dl", expires=iso(7 * 24 * 3600))
    answer = start_download(api, "dl").json()
    assert requests.get(answer["url"]).status_code == 200
    offset[0] += 3601
    expired = requests.get(answer["url"])
    assert expired.status_code == 403 and "expired" in expired.json()["message"]
    assert requests.get(start_download(api, "dl").json()["url"]).content == DATA


def test_an_unfinished_upload_expires_after_a_day(moving):
    tc, api, offset = moving
    upload_id = slugid.nice()
    assert create_upload(api, "stale", inline(DATA), upload_id=upload_id, expires=iso(7 * 24 * 3600)).ok
    offset[0] += 24 * 3600 + 1
    body = assert_error(finish(api, "stale", upload_id), 410, "ResourceExpired")
    assert "'stale'" in body["message"] and "createUpload" in body["message"]
    # the name is free again
    assert create_upload(api, "stale", inline(DATA), expires=iso(7 * 24 * 3600, now=time.time() + offset[0])).ok


def test_scopes(api, tc, anon):
    uploader = tc.create_client("uploader", ["object:upload:proj:mine/*"])
    denied = create_upload(api, "theirs", inline(b"x"), credentials=uploader)
    assert "object:upload:proj:theirs" in assert_error(denied, 403, "InsufficientScopes")["message"]
    other_project = create_upload(api, "mine/x", inline(b"x"), project="other", credentials=uploader)
    assert_error(other_project, 403, "InsufficientScopes")
    upload_id = slugid.nice()
    assert create_upload(api, "mine/x", inline(b"x"), upload_id=upload_id, credentials=uploader).ok
    assert finish(api, "mine/x", upload_id, credentials=uploader).ok
    # downloading needs object:download:<name>
    assert_error(start_download(api, "mine/x", credentials=uploader), 403, "InsufficientScopes")
    assert_error(api.call("GET", "object", "/metadata/mine%2Fx", credentials=uploader), 403, "InsufficientScopes")
    assert_error(anon.call("GET", "object", "/download/mine%2Fx"), 403, "InsufficientScopes")
    reader = tc.create_client("reader", ["object:download:mine/*"])
    assert start_download(api, "mine/x", credentials=reader).ok
    assert_error(finish(api, "mine/x", upload_id, credentials=reader), 403, "InsufficientScopes")


def test_missing_objects_are_404(api):
    for response in (
        start_download(api, "nope"),
        api.call("GET", "object", "/metadata/nope"),
        api.call("GET", "object", "/download/nope"),
        finish(api, "nope", slugid.nice()),
    ):
        assert "'nope'" in assert_error(response, 404, "ResourceNotFound")["message"]
    assert requests.get(api.root_url + "/__objects/unknown-token/x").status_code == 404
    assert requests.put(api.root_url + "/__objects/upload/unknown-token", data=b"x").status_code == 404


def test_reset_forgets_objects(api, tc):
    upload_inline(api, "kept?")
    url = start_download(api, "kept?").json()["url"]
    tc.reset()
    assert_error(api.call("GET", "object", "/metadata/" + q("kept?")), 404, "ResourceNotFound")
    assert requests.get(url).status_code == 404
    assert create_upload(api, "kept?", inline(b"new")).ok  # the name is free again


def test_generated_object_client(tc):
    """The SDK's generated Object client (Hawk-signed by the client runtime) against the service."""
    obj = taskcluster.Object(tc.options())
    try:
        upload_id = slugid.nice()
        answer = obj.createUpload(
            "sdk/obj",
            {
                "projectId": "sdk",
                "uploadId": upload_id,
                "expires": iso(3600),
                "proposedUploadMethods": inline(DATA),
                "hashes": digests(DATA),
            },
        )
        assert answer["uploadMethod"] == {"dataInline": True}
        obj.finishUpload("sdk/obj", {"projectId": "sdk", "uploadId": upload_id})
        assert obj.object("sdk/obj")["hashes"] == digests(DATA)
        download = obj.startDownload("sdk/obj", {"acceptDownloadMethods": {"getUrl": True}})
        assert requests.get(download["url"]).content == DATA
        with pytest.raises(taskcluster.exceptions.TaskclusterRestFailure) as info:
            obj.startDownload("sdk/none", {"acceptDownloadMethods": {"getUrl": True}})
        assert info.value.status_code == 404
    finally:
        obj.close()


# -- queue artifacts of storageType object ------------------------------------------------------------------
def _running_task(api, **changes):
    task_id = slugid.nice()
    assert api.call("PUT", "queue", "/task/" + task_id, task_definition(**changes)).ok
    response = api.call(
        "POST", "queue", "/claim-work/local-prov%2Ftest-worker", {"workerGroup": "wg", "workerId": "wi", "tasks": 1}
    )
    (claim,) = response.json()["tasks"]
    return task_id, claim["credentials"]


def test_object_artifact_end_to_end(api, anon):
    task_id, task_creds = _running_task(api, projectId="my-project")
    path = "/task/%s/runs/0/artifacts/%s" % (task_id, q("public/out.bin"))
    created = api.call(
        "POST",
        "queue",
        path,
        {"storageType": "object", "expires": iso(3600), "contentType": "application/octet-stream"},
        credentials=task_creds,
    )
    assert created.status_code == 200, created.text
    answer = created.json()
    name = "t/%s/0/public/out.bin" % task_id
    assert answer["storageType"] == "object" and answer["name"] == name
    assert answer["projectId"] == "my-project" and slugid.decode(answer["uploadId"])
    assert set(answer["credentials"]) == {"clientId", "accessToken", "certificate"}
    upload_creds = answer["credentials"]

    # not visible before finishArtifact
    assert_error(api.call("GET", "queue", path), 404, "ResourceNotFound")
    assert api.call("GET", "queue", "/task/%s/runs/0/artifacts" % task_id).json()["artifacts"] == []
    finish_artifact = {"uploadId": answer["uploadId"]}
    early = api.call("PUT", "queue", path, finish_artifact, credentials=task_creds)
    assert "finishUpload" in assert_error(early, 409, "RequestConflict")["message"]

    # the upload credentials allow exactly this object
    elsewhere = create_upload(api, name + "2", inline(DATA), project="my-project", credentials=upload_creds)
    assert_error(elsewhere, 403, "InsufficientScopes")
    created = create_upload(
        api, name, inline(DATA), project="my-project", upload_id=answer["uploadId"], credentials=upload_creds
    )
    assert created.status_code == 200, created.text
    assert finish(api, name, answer["uploadId"], project="my-project", credentials=upload_creds).ok

    wrong = api.call("PUT", "queue", path, {"uploadId": slugid.nice()}, credentials=task_creds)
    assert_error(wrong, 400, "InputValidationError")
    assert api.call("PUT", "queue", path, finish_artifact, credentials=task_creds).json() == {}
    assert api.call("PUT", "queue", path, finish_artifact, credentials=task_creds).ok  # idempotent

    listing = api.call("GET", "queue", "/task/%s/runs/0/artifacts" % task_id).json()["artifacts"]
    assert [(a["name"], a["storageType"]) for a in listing] == [("public/out.bin", "object")]

    # artifact(): download credentials for this object only
    content = anon.call("GET", "queue", "/task/%s/runs/0/artifact-content/%s" % (task_id, q("public/out.bin")))
    assert content.status_code == 200, content.text
    body = content.json()
    assert set(body) == {"storageType", "name", "credentials"}
    assert body["storageType"] == "object" and body["name"] == name
    download_creds = body["credentials"]
    download = start_download(api, name, credentials=download_creds)
    assert download.status_code == 200, download.text
    assert download.json()["hashes"] == digests(DATA)
    assert requests.get(download.json()["url"]).content == DATA
    assert_error(create_upload(api, name, inline(b"x"), credentials=download_creds), 403, "InsufficientScopes")
    latest = anon.call("GET", "queue", "/task/%s/artifact-content/%s" % (task_id, q("public/out.bin")))
    assert latest.json()["name"] == name

    # getArtifact: 303 to a signed object-service URL that plain HTTP clients can follow to the bytes
    redirect = anon.call("GET", "queue", path)
    assert redirect.status_code == 303 and redirect.headers["x-taskcluster-artifact-storage-type"] == "object"
    assert redirect.headers["Location"].startswith(api.root_url + "/api/object/v1/download/")
    fetched = requests.get(redirect.headers["Location"])
    assert fetched.status_code == 200 and fetched.content == DATA
    assert requests.get(anon.url("queue", "/task/%s/artifacts/public/out.bin" % task_id)).content == DATA


def test_object_artifact_through_the_generated_clients(tc, api):
    task_id, task_creds = _running_task(api)
    worker_queue = taskcluster.Queue({"rootUrl": tc.rootUrl, "credentials": task_creds})
    reader_queue = taskcluster.Queue(tc.options())
    try:
        answer = worker_queue.createArtifact(
            task_id,
            "0",
            "private/log.txt",
            {"storageType": "object", "expires": iso(3600), "contentType": "text/plain"},
        )
        uploader = taskcluster.Object({"rootUrl": tc.rootUrl, "credentials": answer["credentials"]})
        try:
            uploader.createUpload(
                answer["name"],
                {
                    "projectId": answer["projectId"],
                    "uploadId": answer["uploadId"],
                    "expires": answer["expires"],
                    "proposedUploadMethods": inline(b"log line\n", "text/plain"),
                },
            )
            uploader.finishUpload(answer["name"], {"projectId": answer["projectId"], "uploadId": answer["uploadId"]})
        finally:
            uploader.close()
        worker_queue.finishArtifact(task_id, "0", "private/log.txt", {"uploadId": answer["uploadId"]})
        content = reader_queue.artifact(task_id, "0", "private/log.txt")
        downloader = taskcluster.Object({"rootUrl": tc.rootUrl, "credentials": content["credentials"]})
        try:
            url = downloader.startDownload(content["name"], {"acceptDownloadMethods": {"getUrl": True}})["url"]
        finally:
            downloader.close()
        fetched = requests.get(url)
        assert fetched.content == b"log line\n" and fetched.headers["Content-Type"] == "text/plain"
        signed = reader_queue.buildSignedUrl("getLatestArtifact", task_id, "private/log.txt")
        assert requests.get(signed).content == b"log line\n"
    finally:
        worker_queue.close()
        reader_queue.close()


def test_create_object_artifact_again_keeps_the_upload_and_finished_ones_conflict(api):
    task_id, _ = _running_task(api)
    path = "/task/%s/runs/0/artifacts/a" % task_id
    request = {"storageType": "object", "expires": iso(3600), "contentType": "text/plain"}
    first = api.call("POST", "queue", path, request).json()
    again = api.call("POST", "queue", path, request).json()
    assert again["uploadId"] == first["uploadId"] and again["name"] == first["name"]
    upload_inline(api, first["name"], project="none", upload_id=first["uploadId"])
    assert api.call("PUT", "queue", path, {"uploadId": first["uploadId"]}).ok
    assert_error(api.call("POST", "queue", path, request), 409, "RequestConflict")


def test_finish_artifact_is_for_object_artifacts_only(api):
    task_id, _ = _running_task(api)
    path = "/task/%s/runs/0/artifacts/" % task_id
    s3 = {"storageType": "s3", "expires": iso(3600), "contentType": "text/plain"}
    assert api.call("POST", "queue", path + "s3", s3).ok
    body = assert_error(api.call("PUT", "queue", path + "s3", {"uploadId": slugid.nice()}), 400, "InputValidationError")
    assert "'s3'" in body["message"]
    assert_error(api.call("PUT", "queue", path + "none", {"uploadId": slugid.nice()}), 404, "ResourceNotFound")
    assert_error(api.call("PUT", "queue", path + "s3", {}), 400, "InputValidationError")


# -- artifact-content answers of the other storage types ------------------------------------------------------
def test_error_artifact_content_and_get_artifact(api):
    task_id, _ = _running_task(api)
    base = "/task/%s/runs/0/" % task_id
    error = {
        "storageType": "error",
        "expires": iso(3600),
        "reason": "file-not-readable-on-worker",
        "message": "permission denied",
    }
    assert api.call("POST", "queue", base + "artifacts/public%2Ferr", error).ok
    content = api.call("GET", "queue", base + "artifact-content/public%2Ferr")
    assert content.status_code == 200
    assert content.json() == {
        "storageType": "error",
        "reason": "file-not-readable-on-worker",
        "message": "permission denied",
    }
    latest = api.call("GET", "queue", "/task/%s/artifact-content/public%%2Ferr" % task_id)
    assert latest.json() == content.json()
    got = api.call("GET", "queue", base + "artifacts/public%2Ferr")
    assert got.status_code == 424 and got.json()["reason"] == "file-not-readable-on-worker"


def test_reference_and_s3_artifact_content(api):
    task_id, _ = _running_task(api)
    base = "/task/%s/runs/0/" % task_id
    reference = {"storageType": "reference", "expires": iso(3600), "contentType": "text/html", "url": "https://x.test/"}
    assert api.call("POST", "queue", base + "artifacts/ref", reference).ok
    assert api.call("GET", "queue", base + "artifact-content/ref").json() == {
        "storageType": "reference",
        "url": "https://x.test/",
    }
    redirect = api.call("GET", "queue", base + "artifacts/ref")
    assert redirect.status_code == 303 and redirect.headers["Location"] == "https://x.test/"
    s3 = {"storageType": "s3", "expires": iso(3600), "contentType": "text/plain"}
    put = api.call("POST", "queue", base + "artifacts/s3", s3).json()["putUrl"]
    assert requests.put(put, data=b"s3 bytes", headers={"Content-Type": "text/plain"}).ok
    content = api.call("GET", "queue", base + "artifact-content/s3").json()
    assert set(content) == {"storageType", "url"} and content["storageType"] == "s3"
    assert requests.get(content["url"]).content == b"s3 bytes"


@pytest.mark.parametrize(
    "request_body, expected",
    [
        # the schema's format "uri" already refuses it
        (
            {"storageType": "reference", "contentType": "text/plain", "url": "https://x.test/\r\nSet-Cookie: a=b"},
            "$.url: must be an absolute URI",
        ),
        (
            {"storageType": "reference", "contentType": "text/plain\nX: y", "url": "https://x.test/"},
            "control characters",
        ),
        ({"storageType": "s3", "contentType": "text/plain\r\n"}, "control characters"),
        ({"storageType": "object", "contentType": "text/\rplain"}, "control characters"),
    ],
)
def test_artifacts_refuse_cr_and_lf_in_headers(api, request_body, expected):
    task_id, _ = _running_task(api)
    response = api.call("POST", "queue", "/task/%s/runs/0/artifacts/x" % task_id, dict(request_body, expires=iso(60)))
    assert expected in assert_error(response, 400, "InputValidationError")["message"]
