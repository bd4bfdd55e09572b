"""A small JSON-schema subset validator and the request schemas of the endpoints we implement.

Supported keywords: type, required, properties, additionalProperties (bool), items, enum, pattern,
minLength, maxLength, minimum, maximum, maxItems, uniqueItems, format "date-time", default (applied to
missing properties before ``required`` is checked, as the services do), and ``oneOf`` keyed by a
discriminating ``storageType`` (the only use we need).
"""

import copy
import re
from typing import Any, Dict, List, Optional, Tuple

from ._time import parse_date

__all__ = ["SCHEMAS", "validate"]

_TYPES = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "null": lambda v: v is None,
}

_PATTERN_CACHE: Dict[str, "re.Pattern[str]"] = {}


def _where(path: str) -> str:
    return path or "the payload"


def _check(schema: Dict[str, Any], value: Any, path: str, errors: List[str]) -> Any:
    """Validate ``value`` (returning it with defaults applied); append messages to ``errors``."""
    expected = schema.get("type")
    if expected is not None:
        types = expected if isinstance(expected, list) else [expected]
        if not any(_TYPES[t](value) for t in types):
            errors.append("%s must be of type %s, got %s" % (_where(path), "/".join(types), _type_name(value)))
            return value
    if "enum" in schema and value not in schema["enum"]:
        errors.append("%s must be one of %s, got %r" % (_where(path), ", ".join(map(repr, schema["enum"])), value))
    if isinstance(value, str):
        if "minLength" in schema and len(value) < schema["minLength"]:
            errors.append("%s must be at least %d characters long" % (_where(path), schema["minLength"]))
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            errors.append("%s must be at most %d characters long" % (_where(path), schema["maxLength"]))
        if "pattern" in schema:
            pattern = _PATTERN_CACHE.get(schema["pattern"])
            if pattern is None:
                pattern = _PATTERN_CACHE[schema["pattern"]] = re.compile(schema["pattern"])
            if not pattern.search(value):
                errors.append("%s must match the pattern %s, got %r" % (_where(path), schema["pattern"], value))
        if schema.get("format") == "date-time" and parse_date(value) is None:
            errors.append("%s must be an ISO 8601 date-time, got %r" % (_where(path), value))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            errors.append("%s must be >= %s" % (_where(path), schema["minimum"]))
        if "maximum" in schema and value > schema["maximum"]:
            errors.append("%s must be <= %s" % (_where(path), schema["maximum"]))
    if isinstance(value, list):
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            errors.append("%s must have at most %d items" % (_where(path), schema["maxItems"]))
        if schema.get("uniqueItems"):
            seen = []
            for item in value:
                if item in seen:
                    errors.append("%s must not contain duplicates (%r)" % (_where(path), item))
                    break
                seen.append(item)
        if "items" in schema:
            value = [_check(schema["items"], item, "%s[%d]" % (path, i), errors) for i, item in enumerate(value)]
    if isinstance(value, dict):
        if "oneOf" in schema:
            return _check_one_of(schema, value, path, errors)
        value = dict(value)
        properties = schema.get("properties", {})
        for name, sub in properties.items():
            if name not in value and "default" in sub:
                value[name] = copy.deepcopy(sub["default"])
        for name in schema.get("required", ()):
            if name not in value:
                errors.append("%s is missing the required property %r" % (_where(path), name))
        if schema.get("additionalProperties") is False:
            for name in value:
                if name not in properties:
                    errors.append("%s has an unexpected property %r" % (_where(path), name))
        for name, sub in properties.items():
            if name in value:
                value[name] = _check(sub, value[name], (path + "." if path else "") + name, errors)
    return value


def _check_one_of(schema: Dict[str, Any], value: Dict[str, Any], path: str, errors: List[str]) -> Any:
    key = schema["discriminator"]
    options = {s["properties"][key]["enum"][0]: s for s in schema["oneOf"]}
    kind = value.get(key)
    if kind not in options:
        errors.append("%s.%s must be one of %s" % (_where(path), key, ", ".join(map(repr, sorted(options)))))
        return value
    return _check(options[kind], value, path, errors)


def _type_name(value: Any) -> str:
    for name in ("null", "boolean", "integer", "number", "string", "array", "object"):
        if _TYPES[name](value):
            return name
    return type(value).__name__


def validate(service: str, schema_id: Optional[str], payload: Any) -> Tuple[Any, List[str]]:
    """Validate ``payload`` against the ``service``'s schema ``schema_id``: (payload with defaults, errors).

    Unknown schema ids validate only that the payload is a JSON object.
    """
    schema = SCHEMAS.get("%s/%s" % (service, schema_id), {"type": "object"})
    errors: List[str] = []
    value = _check(schema, payload, "", errors)
    return value, errors


# ----------------------------------------------------------------------------------------------------------------
# Request schemas (facts of the Taskcluster services' input schemas, reduced to what we check).

_SLUGID = "^[A-Za-z0-9_-]{8}[Q-T][A-Za-z0-9_-][CGKOSWaeimquy26-][A-Za-z0-9_-]{10}[AQgw]$"
_IDENT = "^([a-zA-Z0-9-_]*)$"
_SCOPE = {"type": "string", "pattern": "^[ -~]*$"}
_DATE = {"type": "string", "format": "date-time"}
_SCOPES = {"type": "array", "items": _SCOPE, "uniqueItems": True}
_PROJECT_ID = {"type": "string", "minLength": 1, "maxLength": 500, "pattern": "^([a-zA-Z0-9._/-]*)$"}
PRIORITIES = ["highest", "very-high", "high", "medium", "low", "very-low", "lowest"]

_TASK_METADATA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name", "description", "owner", "source"],
    "properties": {
        "name": {"type": "string", "maxLength": 255},
        "description": {"type": "string", "maxLength": 32768},
        "owner": {"type": "string", "maxLength": 255},
        "source": {"type": "string", "maxLength": 4096, "pattern": "^(https?://|ssh://|git@)"},
    },
}

_CREATE_TASK = {
    "type": "object",
    "additionalProperties": False,
    "required": ["created", "deadline", "payload", "metadata"],
    "properties": {
        "provisionerId": {"type": "string", "pattern": "^[a-zA-Z0-9-_]{1,38}$"},
        "workerType": {"type": "string", "pattern": "^[a-z]([-a-z0-9]{0,36}[a-z0-9])?$"},
        "taskQueueId": {"type": "string", "pattern": "^[a-zA-Z0-9-_]{1,38}/[a-z]([-a-z0-9]{0,36}[a-z0-9])?$"},
        "schedulerId": {"type": "string", "minLength": 1, "maxLength": 38, "pattern": _IDENT, "default": "-"},
        "projectId": dict(_PROJECT_ID, default="none"),
        "taskGroupId": {"type": "string", "pattern": _SLUGID},
        "dependencies": {
            "type": "array",
            "maxItems": 10000,
            "uniqueItems": True,
            "default": [],
            "items": {"type": "string", "pattern": _SLUGID},
        },
        "requires": {"type": "string", "enum": ["all-completed", "all-resolved"], "default": "all-completed"},
        "routes": {
            "type": "array",
            "maxItems": 64,
            "uniqueItems": True,
            "default": [],
            "items": {"type": "string", "minLength": 1, "maxLength": 249},
        },
        "priority": {"type": "string", "enum": PRIORITIES + ["normal"], "default": "lowest"},
        "retries": {"type": "integer", "minimum": 0, "maximum": 49, "default": 5},
        "created": _DATE,
        "deadline": _DATE,
        "expires": _DATE,
        "scopes": {"type": "array", "items": _SCOPE, "default": []},
        "payload": {"type": "object"},
        "metadata": _TASK_METADATA,
        "tags": {"type": "object", "default": {}},
        "extra": {"type": "object", "default": {}},
    },
}

_CLIENT_REQUEST = {
    "type": "object",
    "additionalProperties": False,
    "required": ["expires", "description"],
    "properties": {
        "description": {"type": "string", "maxLength": 10240},
        "expires": _DATE,
        "scopes": _SCOPES,
        "deleteOnExpiration": {"type": "boolean", "default": False},
    },
}

_ARTIFACT_COMMON = {"expires": _DATE, "contentType": {"type": "string", "maxLength": 255}}

_POST_ARTIFACT = {
    "type": "object",
    "discriminator": "storageType",
    "oneOf": [
        {
            "type": "object",
            "additionalProperties": False,
            "required": ["storageType", "expires", "contentType"],
            "properties": dict(
                _ARTIFACT_COMMON, storageType={"enum": ["s3"]}, contentLength={"type": "integer", "minimum": 0}
            ),
        },
        {
            "type": "object",
            "additionalProperties": False,
            "required": ["storageType", "expires", "contentType"],
            "properties": dict(
                _ARTIFACT_COMMON, storageType={"enum": ["object"]}, contentLength={"type": "integer", "minimum": 0}
            ),
        },
        {
            "type": "object",
            "additionalProperties": False,
            "required": ["storageType", "expires", "url", "contentType"],
            "properties": dict(
                _ARTIFACT_COMMON,
                storageType={"enum": ["reference"]},
                url={"type": "string", "pattern": "^[a-zA-Z][a-zA-Z0-9+.-]*://"},
            ),
        },
        {
            "type": "object",
            "additionalProperties": False,
            "required": ["storageType", "expires", "artifact"],
            "properties": dict(_ARTIFACT_COMMON, storageType={"enum": ["link"]}, artifact={"type": "string"}),
        },
        {
            "type": "object",
            "additionalProperties": False,
            "required": ["storageType", "expires", "reason", "message"],
            "properties": {
                "storageType": {"enum": ["error"]},
                "expires": _DATE,
                "reason": {
                    "type": "string",
                    "enum": [
                        "file-missing-on-worker",
                        "invalid-resource-on-worker",
                        "too-large-file-on-worker",
                        "file-not-readable-on-worker",
                    ],
                },
                "message": {"type": "string", "maxLength": 4096},
            },
        },
    ],
}

# object: hashes are lowercase hex; other algorithms may be given (and are not checked)
_UPLOAD_HASHES = {
    "type": "object",
    "properties": {
        "sha256": {"type": "string", "pattern": "^[a-z0-9]{64}$"},
        "sha512": {"type": "string", "pattern": "^[a-z0-9]{128}$"},
    },
}

_CREATE_UPLOAD = {
    "type": "object",
    "additionalProperties": False,
    "required": ["projectId", "uploadId", "expires", "proposedUploadMethods"],
    "properties": {
        "projectId": _PROJECT_ID,
        "uploadId": {"type": "string", "pattern": _SLUGID},
        "expires": _DATE,
        "hashes": _UPLOAD_HASHES,
        "proposedUploadMethods": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "dataInline": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["contentType", "objectData"],
                    "properties": {
                        "contentType": {"type": "string"},
                        "objectData": {"type": "string", "maxLength": 10926},
                    },
                },
                "putUrl": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["contentType", "contentLength"],
                    "properties": {
                        "contentType": {"type": "string"},
                        "contentLength": {"type": "integer", "minimum": 0},
                    },
                },
            },
        },
    },
}

_ACCEPTED = {"type": "boolean", "enum": [True]}

#: "<serviceName>/<schema id>" -> schema
SCHEMAS: Dict[str, Dict[str, Any]] = {
    # queue
    "queue/v1/create-task-request.json#": _CREATE_TASK,
    "queue/v1/claim-work-request.json#": {
        "type": "object",
        "additionalProperties": False,
        "required": ["workerGroup", "workerId", "tasks"],
        "properties": {
            "tasks": {"type": "integer", "minimum": 1, "maximum": 32, "default": 1},
            "workerGroup": {"type": "string", "minLength": 1, "maxLength": 38, "pattern": _IDENT},
            "workerId": {"type": "string", "minLength": 1, "maxLength": 38, "pattern": _IDENT},
        },
    },
    "queue/v1/task-claim-request.json#": {
        "type": "object",
        "additionalProperties": False,
        "required": ["workerGroup", "workerId"],
        "properties": {
            "workerGroup": {"type": "string", "minLength": 1, "maxLength": 38, "pattern": _IDENT},
            "workerId": {"type": "string", "minLength": 1, "maxLength": 38, "pattern": _IDENT},
        },
    },
    "queue/v1/task-exception-request.json#": {
        "type": "object",
        "additionalProperties": False,
        "required": ["reason"],
        "properties": {
            "reason": {
                "type": "string",
                "enum": [
                    "worker-shutdown",
                    "malformed-payload",
                    "resource-unavailable",
                    "internal-error",
                    "intermittent-task",
                ],
            },
        },
    },
    "queue/v1/post-artifact-request.json#": _POST_ARTIFACT,
    "queue/v1/finish-artifact-request.json#": {
        "type": "object",
        "additionalProperties": False,
        "required": ["uploadId"],
        "properties": {"uploadId": {"type": "string", "pattern": _SLUGID}},
    },
    "queue/v1/tasks-request.json#": {
        "type": "object",
        "additionalProperties": False,
        "required": ["taskIds"],
        "properties": {"taskIds": {"type": "array", "items": {"type": "string", "pattern": _SLUGID}}},
    },
    # auth
    "auth/v1/create-client-request.json#": _CLIENT_REQUEST,
    "auth/v1/create-role-request.json#": {
        "type": "object",
        "additionalProperties": False,
        "required": ["scopes", "description"],
        "properties": {"description": {"type": "string", "maxLength": 10240}, "scopes": _SCOPES},
    },
    "auth/v1/scopeset.json#": {
        "type": "object",
        "additionalProperties": False,
        "required": ["scopes"],
        "properties": {"scopes": _SCOPES},
    },
    "auth/v1/test-authenticate-request.json#": {
        "type": "object",
        "additionalProperties": False,
        "required": ["clientScopes", "requiredScopes"],
        "properties": {
            "clientScopes": dict(_SCOPES, default=[]),
            "requiredScopes": dict(_SCOPES, default=[]),
        },
    },
    # index
    "index/v1/insert-task-request.json#": {
        "type": "object",
        "additionalProperties": False,
        "required": ["taskId", "rank", "data", "expires"],
        "properties": {
            "taskId": {"type": "string", "pattern": _SLUGID},
            "rank": {"type": "number"},
            "data": {"type": "object"},
            "expires": _DATE,
        },
    },
    # secrets
    "secrets/v1/secret.json#": {
        "type": "object",
        "additionalProperties": False,
        "required": ["secret", "expires"],
        "properties": {"secret": {"type": "object"}, "expires": _DATE},
    },
    # purge-cache
    "purge-cache/v1/purge-cache-request.json#": {
        "type": "object",
        "additionalProperties": False,
        "required": ["cacheName"],
        "properties": {"cacheName": {"type": "string"}},
    },
    # object
    "object/v1/create-upload-request.json#": _CREATE_UPLOAD,
    "object/v1/finish-upload-request.json#": {
        "type": "object",
        "additionalProperties": False,
        "required": ["projectId", "uploadId"],
        "properties": {
            "projectId": _PROJECT_ID,
            "uploadId": {"type": "string", "pattern": _SLUGID},
            "hashes": _UPLOAD_HASHES,
        },
    },
    "object/v1/download-object-request.json#": {
        "type": "object",
        "additionalProperties": False,
        "required": ["acceptDownloadMethods"],
        "properties": {
            "acceptDownloadMethods": {
                "type": "object",
                "additionalProperties": False,
                "properties": {"getUrl": _ACCEPTED, "simple": _ACCEPTED},
            },
        },
    },
}
