"""The object service: named blobs, uploaded and downloaded through methods the client and service agree on.

Uploading: ``createUpload`` fixes the object's projectId, uploadId, expiry and announced hashes, and picks
an upload method among those proposed: ``dataInline`` (preferred; the bytes come base64-encoded in the
request and are stored at once) or ``putUrl`` (a ``PUT`` of exactly ``contentLength`` bytes to
``<rootUrl>/__objects/upload/<token>`` before the URL expires). ``finishUpload`` checks that the bytes
arrived and match every announced hash, records their sha256 and sha512, and makes the object readable
(and immutable). An unfinished upload expires after a day.

Downloading: ``startDownload`` picks ``getUrl`` (preferred) or ``simple``; both hand out
``<rootUrl>/__objects/<token>/<name>``, valid for an hour by the deployment's clock, which serves the bytes
with the object's content type. ``download`` redirects (303) to such a URL.
"""

import base64
import binascii
import datetime
import hashlib
import json
import re
import secrets
from typing import Any, Dict, Optional, Tuple
from urllib.parse import quote

from .._time import format_date, now
from ._base import Call, Reply, ServiceError, bad_input, conflict, not_found

__all__ = ["HANDLERS", "finished_object", "has_control_characters", "read_data", "store_put"]

#: How long a put URL stays valid (never beyond the upload's own expiry).
PUT_URL_SECONDS = 3600
#: How long the URL of a download method stays valid.
DOWNLOAD_URL_SECONDS = 3600
#: Unfinished uploads expire after this long (as upstream).
UPLOAD_SECONDS = 24 * 3600
#: The hash algorithms the service computes and checks.
ALGORITHMS = ("sha256", "sha512")

#: Largest ``contentLength`` of a put URL upload: what the put URL accepts (the bytes are held in memory).
MAX_PUT_BYTES = 1024 * 1024 * 1024

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_PRINTABLE_NAME = re.compile(r"^[\x20-\x7e]+$")


def has_control_characters(text: str) -> bool:
    """True when ``text`` holds CR, LF, NUL or another control character (C0 or C1: unfit for an HTTP header)."""
    return _CONTROL.search(text) is not None


def _digests(data: bytes) -> Dict[str, str]:
    return {algorithm: hashlib.new(algorithm, data).hexdigest() for algorithm in ALGORITHMS}


def _known_hashes(hashes: Optional[Dict[str, Any]]) -> Dict[str, str]:
    """The hashes of algorithms the service checks (other algorithms are accepted and ignored)."""
    return {k: v for k, v in (hashes or {}).items() if k in ALGORITHMS}


def _later(call: Call, seconds: int) -> str:
    return format_date(call.now + datetime.timedelta(seconds=seconds))


def _data_url(call: Call, db: Any, name: str) -> Tuple[str, str]:
    """A new download URL for ``name`` and its expiry; forgets the download URLs that expired."""
    db.execute("DELETE FROM object_downloads WHERE expires <= ?", (call.now_text,))
    token = secrets.token_urlsafe(24)
    expires = _later(call, DOWNLOAD_URL_SECONDS)
    db.execute("INSERT INTO object_downloads (token, name, expires) VALUES (?, ?, ?)", (token, name, expires))
    return "%s/__objects/%s/%s" % (call.base_url, token, quote(name, safe="/")), expires


def _delete(db: Any, name: str) -> None:
    db.execute("DELETE FROM objects WHERE name = ?", (name,))
    db.execute("DELETE FROM object_downloads WHERE name = ?", (name,))


def finished_object(db: Any, name: str, now_text: str) -> Optional[Any]:
    """The row of the finished, unexpired object ``name`` (without its bytes), or None."""
    row = db.one(
        "SELECT name, project_id, upload_id, expires, content_type, sha256, sha512 FROM objects "
        "WHERE name = ? AND finished IS NOT NULL",
        (name,),
    )
    if row is None or row["expires"] <= now_text:
        return None
    return row


def _readable(call: Call, db: Any) -> Any:
    name = call.params["name"]
    row = finished_object(db, name, call.now_text)
    if row is None:
        raise not_found("Object %r not found (it does not exist, its upload is not finished, or it expired)" % name)
    return row


def _hashes(row: Any) -> Dict[str, str]:
    return {algorithm: row[algorithm] for algorithm in ALGORITHMS}


# -- uploads ------------------------------------------------------------------------------------------------
def _decode_inline(method: Dict[str, Any]) -> bytes:
    try:
        return base64.b64decode(method["objectData"], validate=True)
    except (binascii.Error, ValueError):
        raise bad_input("proposedUploadMethods.dataInline.objectData is not valid base64")


def _check_upload_request(call: Call) -> None:
    name = call.params["name"]
    if not _PRINTABLE_NAME.match(name):
        raise bad_input("object names are printable ASCII (0x20-0x7e), got %r" % name)
    for method_name, method in call.payload["proposedUploadMethods"].items():
        if has_control_characters(method["contentType"]):
            raise bad_input(
                "proposedUploadMethods.%s.contentType must not contain CR, LF or other control characters" % method_name
            )
    put = call.payload["proposedUploadMethods"].get("putUrl")
    if put is not None:
        # the schema asks for an integer (2.0 is one); a length is not negative, nor beyond what the URL takes
        length = put["contentLength"]
        if not 0 <= length <= MAX_PUT_BYTES:
            raise bad_input(
                "proposedUploadMethods.putUrl.contentLength must be between 0 and %d (the largest upload the "
                "local deployment accepts), got %s" % (MAX_PUT_BYTES, length)
            )
        put["contentLength"] = int(length)


def _upload_row(call: Call, db: Any, expires: str, hashes: Dict[str, str]) -> Any:
    """The (unfinished) upload of ``name``, created on the first call; 409 when the call does not match it."""
    name = call.params["name"]
    payload = call.payload
    row = db.one("SELECT * FROM objects WHERE name = ?", (name,))
    if row is not None and (
        row["expires"] <= call.now_text or (row["finished"] is None and row["upload_expires"] <= call.now_text)
    ):
        _delete(db, name)  # expired objects and abandoned uploads are gone, so the name is free again
        row = None
    if row is None:
        upload_expires = min(_later(call, UPLOAD_SECONDS), expires)
        db.execute(
            "INSERT INTO objects (name, project_id, upload_id, expires, upload_expires, hashes) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (name, payload["projectId"], payload["uploadId"], expires, upload_expires, json.dumps(hashes)),
        )
        return db.one("SELECT * FROM objects WHERE name = ?", (name,))
    if row["finished"] is not None:
        raise conflict("Object %r already exists; finished objects cannot be changed" % name)
    if row["upload_id"] != payload["uploadId"]:
        raise conflict("Object %r is being uploaded with another uploadId" % name)
    if row["project_id"] != payload["projectId"] or row["expires"] != expires:
        raise conflict(
            "Object %r is being uploaded with projectId %r and expires %s; they cannot change"
            % (name, row["project_id"], row["expires"])
        )
    announced = json.loads(row["hashes"])
    for algorithm, value in hashes.items():
        if announced.setdefault(algorithm, value) != value:
            raise conflict("Object %r was announced with another %s hash" % (name, algorithm))
    db.execute("UPDATE objects SET hashes = ? WHERE name = ?", (json.dumps(announced), name))
    return row


def create_upload(call: Call) -> Reply:
    payload = call.payload
    call.authorize(projectId=payload["projectId"])
    _check_upload_request(call)
    expires = format_date(call.date(payload["expires"], "expires"))
    if expires <= call.now_text:
        raise bad_input("expires (%s) is in the past" % expires)
    proposed = payload["proposedUploadMethods"]
    inline = proposed.get("dataInline")
    data = _decode_inline(inline) if inline is not None else None
    put = proposed.get("putUrl")
    name = call.params["name"]
    method: Dict[str, Any] = {}
    with call.store.transaction() as db:
        row = _upload_row(call, db, expires, _known_hashes(payload.get("hashes")))
        if inline is not None:
            db.execute(
                "UPDATE objects SET data = ?, content_type = ?, content_length = ?, put_token = NULL, "
                "put_expires = NULL WHERE name = ?",
                (data, inline["contentType"], len(data or b""), name),
            )
            method = {"dataInline": True}
        elif put is not None:
            token, put_expires = row["put_token"], row["put_expires"]
            same = (row["content_type"], row["content_length"]) == (put["contentType"], put["contentLength"])
            if token is None or not same or put_expires <= call.now_text:
                # a new put URL (an unchanged, still valid one is answered again: the call is idempotent)
                token = secrets.token_urlsafe(24)
                put_expires = min(_later(call, PUT_URL_SECONDS), row["upload_expires"])
                db.execute(
                    "UPDATE objects SET data = NULL, content_type = ?, content_length = ?, put_token = ?, "
                    "put_expires = ? WHERE name = ?",
                    (put["contentType"], put["contentLength"], token, put_expires, name),
                )
            method = {
                "putUrl": {
                    "url": "%s/__objects/upload/%s" % (call.base_url, token),
                    "expires": put_expires,
                    "headers": {"Content-Type": put["contentType"], "Content-Length": str(put["contentLength"])},
                }
            }
    return Reply(
        {"projectId": payload["projectId"], "uploadId": payload["uploadId"], "expires": expires, "uploadMethod": method}
    )


def store_put(store: Any, clock: float, token: str, content_type: Optional[str], data: bytes) -> None:
    """Store the bytes ``PUT`` to the put URL of ``token`` (4xx when refused)."""
    now_text = format_date(now(clock))
    with store.transaction() as db:
        row = db.one(
            "SELECT name, content_type, content_length, put_expires FROM objects WHERE put_token = ?", (token,)
        )
        if row is None:
            raise not_found("No object upload awaits this URL (unknown token, or the upload is finished)")
        if row["put_expires"] <= now_text:
            raise ServiceError(
                403, "RequestExpired", "This put URL expired at %s; call createUpload again" % row["put_expires"]
            )
        if len(data) != row["content_length"]:
            raise bad_input(
                "Object %r: the body has %d bytes, the upload announced contentLength %d"
                % (row["name"], len(data), row["content_length"])
            )
        if content_type is not None and content_type != row["content_type"]:
            raise bad_input(
                "Object %r: Content-Type %r differs from the announced %r"
                % (row["name"], content_type, row["content_type"])
            )
        db.execute("UPDATE objects SET data = ? WHERE put_token = ?", (data, token))


def finish_upload(call: Call) -> Reply:
    payload = call.payload
    name = call.params["name"]
    call.authorize(projectId=payload["projectId"])
    wanted = _known_hashes(payload.get("hashes"))
    with call.store.transaction() as db:
        row = db.one("SELECT * FROM objects WHERE name = ?", (name,))
        if row is None or (row["finished"] is not None and row["expires"] <= call.now_text):
            raise not_found("Object %r not found (call createUpload first)" % name)
        if row["upload_id"] != payload["uploadId"] or row["project_id"] != payload["projectId"]:
            raise bad_input("Object %r is not being uploaded with this uploadId and projectId" % name)
        if row["finished"] is not None:  # finishing again is fine, with hashes that agree
            expected = dict(wanted)
            actual = _hashes(row)
        else:
            if row["upload_expires"] <= call.now_text:
                raise ServiceError(
                    410,
                    "ResourceExpired",
                    "The upload of object %r expired at %s before it was finished; start again with createUpload"
                    % (name, row["upload_expires"]),
                )
            if row["data"] is None:
                raise conflict("The data of object %r was not uploaded yet (PUT it to the put URL first)" % name)
            expected = dict(json.loads(row["hashes"]), **wanted)
            actual = _digests(bytes(row["data"]))
        for algorithm in ALGORITHMS:
            if algorithm in expected and expected[algorithm] != actual[algorithm]:
                raise bad_input(
                    "Object %r: the %s hash of the uploaded data is %s, not %s"
                    % (name, algorithm, actual[algorithm], expected[algorithm])
                )
        if row["finished"] is None:
            db.execute(
                "UPDATE objects SET finished = ?, sha256 = ?, sha512 = ?, put_token = NULL, put_expires = NULL "
                "WHERE name = ?",
                (call.now_text, actual["sha256"], actual["sha512"], name),
            )
    return Reply({})


# -- downloads ----------------------------------------------------------------------------------------------
def start_download(call: Call) -> Reply:
    accepted = call.payload["acceptDownloadMethods"]
    with call.store.transaction() as db:
        row = _readable(call, db)
        if not accepted.get("getUrl") and not accepted.get("simple"):
            raise ServiceError(
                406,
                "NoMatchingMethod",
                "None of the accepted download methods is supported; this service offers getUrl and simple",
            )
        url, expires = _data_url(call, db, row["name"])
    if accepted.get("getUrl"):
        return Reply({"method": "getUrl", "url": url, "expires": expires, "hashes": _hashes(row)})
    return Reply({"method": "simple", "url": url})


def get_metadata(call: Call) -> Reply:
    with call.store.transaction() as db:
        row = _readable(call, db)
    return Reply({"projectId": row["project_id"], "expires": row["expires"], "hashes": _hashes(row)})


def download(call: Call) -> Reply:
    with call.store.transaction() as db:
        row = _readable(call, db)
        url, _expires = _data_url(call, db, row["name"])
    return Reply({"url": url}, status=303, headers={"Location": url})


def read_data(store: Any, clock: float, token: str) -> Tuple[bytes, str]:
    """The bytes and content type served at the download URL of ``token`` (4xx when refused)."""
    now_text = format_date(now(clock))
    with store.transaction() as db:
        link = db.one("SELECT name, expires FROM object_downloads WHERE token = ?", (token,))
        if link is None:
            raise not_found("No object is served at this URL")
        if link["expires"] <= now_text:
            raise ServiceError(
                403, "RequestExpired", "This download URL expired at %s; call startDownload again" % link["expires"]
            )
        row = db.one(
            "SELECT data, content_type, expires FROM objects WHERE name = ? AND finished IS NOT NULL", (link["name"],)
        )
    if row is None or row["expires"] <= now_text:
        raise not_found("Object %r no longer exists" % link["name"])
    return bytes(row["data"]), row["content_type"]


HANDLERS = {
    "createUpload": create_upload,
    "finishUpload": finish_upload,
    "startDownload": start_download,
    "object": get_metadata,
    "download": download,
}
