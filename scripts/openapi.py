#!/usr/bin/env python3
"""Writes public/openapi.json, the OpenAPI 3.1 document of the API, from the description below.

    python3 scripts/openapi.py           rewrite public/openapi.json
    python3 scripts/openapi.py --check   fail if public/openapi.json is not what this writes

The document is held to the code by unit tests (src/lib.rs: routes, error codes and statuses)
and to the running Worker by the Schemathesis pass (tests/contract/run.mjs).
"""
import json
import pathlib
import sys
def err(*codes):
    return {"description": ", ".join(f"`{c}`" for c in codes), "content": {"application/json": {"schema": {
        "$ref": "#/components/schemas/Error",
        "properties": {"error": {"properties": {"code": {"enum": list(codes)}}}}}}}}
def ok(ref, desc, status_headers=None):
    r = {"description": desc, "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}}
    if status_headers: r["headers"] = status_headers
    return r
AUTH = {"401": err("unauthenticated")}
AUTH503 = ["auth_not_configured"]
BODY400 = ["invalid_json", "invalid_body", "missing_field", "invalid_field"]
WRITE = {"403": err("cross_site_request"), "413": err("payload_too_large"), "415": err("unsupported_media_type")}
LIMITED = {"429": {**err("rate_limited"), "headers": {"Retry-After": {"$ref": "#/components/headers/RetryAfter"}}}}
ID = [{"$ref": "#/components/parameters/ReservationId"}]
SEC = [{"bearer": []}, {"cookie": []}]
REPLAY_HEADERS = {"Content-Length": {"schema": {"type": "integer"}}, "Accept-Ranges": {"schema": {"type": "string", "enum": ["bytes"]}},
  "ETag": {"schema": {"type": "string"}}, "Cache-Control": {"schema": {"type": "string"}, "description": "`private, max-age=3600`"}}
def body(ref, required=True):
    return {"required": required, "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}}
paths = {
 "/": {"get": {"operationId": "page", "summary": "The sessions page (HTML), with its Content-Security-Policy",
   "security": [], "responses": {"200": {"description": "the page", "content": {"text/html": {"schema": {"type": "string"}}}}}}},
 "/healthz": {"get": {"operationId": "healthz", "summary": "Liveness", "security": [],
   "responses": {"200": {"description": "`ok`", "content": {"text/plain": {"schema": {"const": "ok"}}}}}}},
 "/api/config": {"get": {"operationId": "pageConfig", "summary": "What the sessions page needs to know", "security": [],
   "responses": {"200": ok("PageConfig", "the configuration")}}},
 "/api/me": {"get": {"operationId": "me", "summary": "The signed-in user", "security": SEC,
   "responses": {"200": ok("Me", "the user"), **AUTH, "503": err(*AUTH503)}}},
 "/api/coaches/{coachId}/announcements": {"get": {"operationId": "coachOffers", "summary": "A coach's active offers, shortest first", "security": [],
   "parameters": [{"name": "coachId", "in": "path", "required": True, "schema": {"type": "string"}, "examples": {"demo": {"value": "coach_demo"}}}],
   "responses": {"200": ok("Catalog", "the offers"), "404": err("coach_not_found")}}},
 "/api/player/sessions": {"get": {"operationId": "playerSessions", "summary": "The caller's sessions as a player, a page at a time", "security": SEC,
   "parameters": [{"$ref": "#/components/parameters/Limit"}, {"$ref": "#/components/parameters/Cursor"}, {"$ref": "#/components/parameters/Include"}],
   "responses": {"200": ok("SessionList", "a page of sessions"), "400": err("invalid_parameter"), **AUTH, "503": err(*AUTH503)}}},
 "/api/coach/sessions": {"get": {"operationId": "coachSessions", "summary": "The caller's sessions as a coach, a page at a time", "security": SEC,
   "parameters": [{"$ref": "#/components/parameters/Limit"}, {"$ref": "#/components/parameters/Cursor"}, {"$ref": "#/components/parameters/Include"}],
   "responses": {"200": ok("SessionList", "a page of sessions"), "400": err("invalid_parameter"), **AUTH, "403": err("not_a_coach"), "503": err(*AUTH503)}}},
 "/reservations": {"post": {"operationId": "book", "summary": "Book a session (signed-in player)", "security": SEC,
   "parameters": [{"$ref": "#/components/parameters/IdempotencyKey"}],
   "requestBody": body("BookingRequest"),
   "responses": {"201": ok("Reservation", "booked (or the replay of a request with the same Idempotency-Key)",
        {"Location": {"description": "`/reservations/{id}`", "schema": {"type": "string"}},
         "Idempotent-Replayed": {"description": "`true` on a replay", "schema": {"const": "true"}}}) | {"links": {
           op: {"operationId": op, "parameters": {"id": "$response.body#/id"}}
           for op in ["showReservation", "reschedule", "cancel", "dailyToken"]}},
     "400": err(*BODY400, "invalid_idempotency_key"), **AUTH, "403": err("cross_site_request"),
     "404": err("announcement_not_found"), "409": {**err("slot_taken", "idempotency_key_in_use"), "headers": {"Retry-After": {"$ref": "#/components/headers/RetryAfter"}}},
     "413": err("payload_too_large"), "415": err("unsupported_media_type"),
     "422": err("invalid_time_range", "start_in_past", "start_too_far", "too_many_upcoming", "announcement_coach_mismatch",
                "announcement_inactive", "duration_mismatch", "cannot_book_self", "idempotency_key_reused", "pack_offer"),
     **LIMITED, "503": err("auth_not_configured", "booking_not_configured", "daily_not_configured")}}},
 "/reservations/{id}": {
   "get": {"operationId": "showReservation", "summary": "One reservation (its coach or its player)", "security": SEC, "parameters": ID,
     "responses": {"200": ok("Reservation", "the reservation"), **AUTH, "404": err("reservation_not_found"), "503": err(*AUTH503)}},
   "patch": {"operationId": "reschedule", "summary": "Reschedule (its coach or its player)", "security": SEC, "parameters": ID,
     "requestBody": body("RescheduleRequest"),
     "responses": {"200": ok("Reservation", "the reservation at its new time"), "400": err(*BODY400), **AUTH, **WRITE,
       "404": err("reservation_not_found", "announcement_not_found"), "409": err("slot_taken", "session_started", "too_late_to_move"),
       "410": err("reservation_cancelled"), "422": err("invalid_time_range", "start_in_past", "start_too_far", "duration_mismatch", "after_pack_expiry"),
       **LIMITED, "503": err("auth_not_configured", "booking_not_configured", "daily_not_configured")}}},
 "/reservations/{id}/cancel": {"post": {"operationId": "cancel", "summary": "Cancel (its coach or its player)", "security": SEC, "parameters": ID,
   "requestBody": {"required": False, "description": "none, or an empty JSON object",
     "content": {"application/json": {"schema": {"type": "object"}}}},
   "responses": {"200": ok("Reservation", "the cancelled reservation"), "400": err("invalid_json", "invalid_body"), **AUTH, **WRITE,
     "404": err("reservation_not_found"), "410": err("session_ended"), **LIMITED, "503": err("auth_not_configured", "booking_not_configured", "daily_not_configured")}}},
 "/reservations/{id}/daily-token": {"get": {"operationId": "dailyToken", "summary": "A meeting token to join the call", "security": SEC, "parameters": ID,
   "responses": {"200": ok("Token", "the token and the room"), **AUTH, "404": err("reservation_not_found"),
     "409": err("not_open_yet"), "410": err("session_ended", "reservation_cancelled"), "502": err("video_error"),
     "503": {**err("auth_not_configured", "daily_not_configured", "video_unavailable"), "headers": {"Retry-After": {"$ref": "#/components/headers/RetryAfter"}}}}}},
 "/reservations/{id}/recordings": {"get": {"operationId": "recordings", "summary": "A session's recordings, newest first (its coach or its player)", "security": SEC, "parameters": ID,
   "responses": {"200": ok("RecordingList", "the recordings"), **AUTH, "404": err("reservation_not_found"), "503": err(*AUTH503)}}},
 "/reservations/{id}/recordings/{recordingId}": {"get": {"operationId": "openRecording", "summary": "A replay: streamed from the archive once archived (with byte ranges), else a redirect to a download link minted for this click", "security": SEC,
   "parameters": ID + [{"name": "recordingId", "in": "path", "required": True, "schema": {"type": "string"}},
     {"name": "Range", "in": "header", "required": False, "schema": {"type": "string"}, "description": "one byte range, e.g. `bytes=0-1023`; several ranges, or a malformed header, get the whole file"},
     {"name": "If-None-Match", "in": "header", "required": False, "schema": {"type": "string"}, "description": "the ETag of an earlier answer"},
     {"name": "If-Range", "in": "header", "required": False, "schema": {"type": "string"}, "description": "`Range` applies only if this is the current ETag"}],
   "responses": {"200": {"description": "the archived file", "headers": REPLAY_HEADERS, "content": {"video/mp4": {"schema": {"type": "string", "format": "binary"}}}},
     "206": {"description": "the requested byte range of the archived file", "headers": {**REPLAY_HEADERS, "Content-Range": {"schema": {"type": "string"}, "description": "`bytes first-last/size`"}},
       "content": {"video/mp4": {"schema": {"type": "string", "format": "binary"}}}},
     "302": {"description": "not archived yet: to Daily's download link, valid for an hour", "headers": {"Location": {"schema": {"type": "string"}}}},
     "304": {"description": "`If-None-Match` names the current ETag", "headers": {"ETag": {"schema": {"type": "string"}}}},
     **AUTH, "404": err("reservation_not_found", "recording_not_found"), "410": err("recording_expired"),
     "416": {**err("range_not_satisfiable"), "headers": {"Content-Range": {"schema": {"type": "string"}, "description": "`bytes */size`"}}}, "502": err("video_error"),
     "503": {**err("auth_not_configured", "daily_not_configured", "video_unavailable"), "headers": {"Retry-After": {"$ref": "#/components/headers/RetryAfter"}}}}}},
 "/reservations/{id}/notifications": {"get": {"operationId": "notifications", "summary": "The e-mails of a session addressed to the signed-in participant (its coach or its player), oldest first", "security": SEC, "parameters": ID,
   "responses": {"200": ok("NotificationList", "the mails"), **AUTH, "404": err("reservation_not_found"), "503": err(*AUTH503)}}},
 "/packs": {"post": {"operationId": "buyPack", "summary": "Buy a pack (signed-in player) and book any of its sessions at once, all or nothing", "security": SEC,
   "parameters": [{"$ref": "#/components/parameters/IdempotencyKey"}],
   "requestBody": body("PackRequest"),
   "responses": {"201": ok("Pack", "bought (or the replay of a request with the same Idempotency-Key)",
        {"Location": {"description": "`/packs/{id}`", "schema": {"type": "string"}},
         "Idempotent-Replayed": {"description": "`true` on a replay", "schema": {"const": "true"}}}) | {"links": {
           op: {"operationId": op, "parameters": {"id": "$response.body#/id"}} for op in ["showPack", "bookPackSession", "cancelPack"]}},
     "400": err(*BODY400, "invalid_idempotency_key"), **AUTH, "403": err("cross_site_request"),
     "404": err("announcement_not_found"), "409": err("slot_taken", "idempotency_key_in_use"),
     "413": err("payload_too_large"), "415": err("unsupported_media_type"),
     "422": err("invalid_time_range", "start_in_past", "start_too_far", "too_many_upcoming", "announcement_coach_mismatch",
                "announcement_inactive", "duration_mismatch", "cannot_book_self", "idempotency_key_reused", "not_a_pack",
                "too_many_sessions", "after_pack_expiry"),
     **LIMITED, "503": err("auth_not_configured", "booking_not_configured", "daily_not_configured")}}},
 "/packs/{id}": {"get": {"operationId": "showPack", "summary": "A pack (its player or its coach)", "security": SEC, "parameters": ID,
   "responses": {"200": ok("Pack", "the pack and its sessions"), "400": err("invalid_parameter"), **AUTH, "404": err("pack_not_found"), "503": err(*AUTH503)}}},
 "/packs/{id}/sessions": {"post": {"operationId": "bookPackSession", "summary": "Book one more session of a pack (its player)", "security": SEC, "parameters": ID,
   "requestBody": body("RescheduleRequest"),
   "responses": {"201": ok("Reservation", "the new session", {"Location": {"description": "`/reservations/{id}`", "schema": {"type": "string"}}}),
     "400": err(*BODY400), **AUTH, **WRITE, "404": err("pack_not_found", "announcement_not_found"),
     "409": err("slot_taken", "pack_exhausted"), "410": err("pack_expired", "pack_cancelled"),
     "422": err("invalid_time_range", "start_in_past", "start_too_far", "too_many_upcoming", "duration_mismatch",
                "announcement_inactive", "announcement_coach_mismatch", "cannot_book_self", "after_pack_expiry"),
     **LIMITED, "503": err("auth_not_configured", "booking_not_configured", "daily_not_configured")}}},
 "/packs/{id}/cancel": {"post": {"operationId": "cancelPack", "summary": "Cancel a pack and its sessions still ahead (its player or its coach)", "security": SEC, "parameters": ID,
   "requestBody": {"required": False, "description": "none, or an empty JSON object", "content": {"application/json": {"schema": {"type": "object"}}}},
   "responses": {"200": ok("Pack", "the cancelled pack"), "400": err("invalid_json", "invalid_body"), **AUTH, **WRITE,
     "404": err("pack_not_found"), **LIMITED, "503": err(*AUTH503)}}},
 "/api/player/packs": {"get": {"operationId": "playerPacks", "summary": "The caller's packs as a player, newest first, a page at a time", "security": SEC,
   "parameters": [{"$ref": "#/components/parameters/Limit"}, {"$ref": "#/components/parameters/Cursor"}],
   "responses": {"200": ok("PackList", "a page of packs"), "400": err("invalid_parameter"), **AUTH, "503": err(*AUTH503)}}},
 "/api/coach/packs": {"get": {"operationId": "coachPacks", "summary": "The packs of the caller's offers, newest first, a page at a time", "security": SEC,
   "parameters": [{"$ref": "#/components/parameters/Limit"}, {"$ref": "#/components/parameters/Cursor"}],
   "responses": {"200": ok("PackList", "a page of packs"), "400": err("invalid_parameter"), **AUTH, "503": err(*AUTH503)}}},
 "/webhooks/daily": {"post": {"operationId": "dailyWebhook", "summary": "Daily's signed webhook events (and its registration ping)", "security": [],
   "parameters": [{"name": "X-Webhook-Timestamp", "in": "header", "required": False, "schema": {"type": "string"}},
                  {"name": "X-Webhook-Signature", "in": "header", "required": False, "schema": {"type": "string"}}],
   "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}},
   "responses": {"200": ok("WebhookReceived", "received: applied, a duplicate, or ignored (not ours, or a type not used)"),
     "401": err("invalid_signature"), "413": err("payload_too_large"), "503": err("webhook_not_configured")}}},
 "/dev/users": {"get": {"operationId": "devUsers", "summary": "Development only: the demo users", "security": [],
   "responses": {"200": ok("DemoUserList", "the users, coaches first"), "404": err("not_found")}}},
 "/dev/login": {"post": {"operationId": "devLogin", "summary": "Development only: sign in as a demo user", "security": [],
   "requestBody": body("LoginRequest"),
   "responses": {"200": ok("Login", "signed in; `Set-Cookie: edgemy_session`"), "400": err(*BODY400), **WRITE,
     "404": err("not_found", "unknown_user"), "503": err("auth_not_configured")}}},
 "/dev/jobs": {"post": {"operationId": "devJobs", "summary": "Development only: run the jobs Worker's scheduled work now (rooms, Daily's reports, the archive, e-mail)", "security": [],
   "requestBody": {"required": False, "description": "none, or an empty JSON object", "content": {"application/json": {"schema": {"type": "object"}}}},
   "responses": {"200": {"description": "done", "content": {"application/json": {"schema": {"type": "object", "properties": {"ran": {"type": "boolean"}}}}}},
     "400": err("invalid_json", "invalid_body"), "403": err("cross_site_request"), "404": err("not_found"),
     "413": err("payload_too_large"), "415": err("unsupported_media_type")}}},
 "/dev/logout": {"post": {"operationId": "devLogout", "summary": "Development only: sign out (clears the cookie)", "security": [],
   "requestBody": {"required": False, "description": "none, or an empty JSON object", "content": {"application/json": {"schema": {"type": "object"}}}},
   "responses": {"200": ok("SignedOut", "signed out"), "400": err("invalid_json", "invalid_body"), "403": err("cross_site_request"), "404": err("not_found"),
     "413": err("payload_too_large"), "415": err("unsupported_media_type")}}},
}
inst = {"$ref": "#/components/schemas/Instant"}
ninst = {"oneOf": [inst, {"type": "null"}]}
nstr = {"type": ["string", "null"]}
CALL = {"meetingStatus": {"type": "string", "enum": ["not_started", "live", "ended"]},
  "meetingStartedAt": {"oneOf": [{"$ref": "#/components/schemas/Instant"}, {"type": "null"}], "description": "when the call's first meeting started"},
  "meetingEndedAt": {"oneOf": [{"$ref": "#/components/schemas/Instant"}, {"type": "null"}], "description": "when the call ended, once it has"},
  "attendance": {"type": "object", "additionalProperties": False, "required": ["coach", "player"], "properties": {
     "coach": {"$ref": "#/components/schemas/Presence"}, "player": {"$ref": "#/components/schemas/Presence"}}},
  "dailyRecordingUrl": {"type": ["string", "null"], "description": "the app URL of the newest finished recording"}}
def obj(props, required=None):
    return {"type": "object", "additionalProperties": False, "required": required or list(props), "properties": props}
codes = ["unauthenticated","not_found","reservation_not_found","method_not_allowed","unsupported_media_type","cross_site_request",
 "rate_limited","invalid_json","invalid_idempotency_key","idempotency_key_reused","idempotency_key_in_use","session_started",
 "payload_too_large","invalid_body","missing_field","invalid_field","invalid_parameter","invalid_time_range","start_in_past",
 "start_too_far","too_many_upcoming","announcement_not_found","announcement_coach_mismatch","announcement_inactive",
 "cannot_book_self","duration_mismatch","slot_taken","not_a_coach","coach_not_found","unknown_user","not_open_yet",
 "session_ended","reservation_cancelled","daily_not_configured","auth_not_configured","booking_not_configured",
 "video_unavailable","video_error","invalid_signature","webhook_not_configured","recording_not_found","recording_expired",
 "range_not_satisfiable",
 "pack_offer","not_a_pack","too_many_sessions","after_pack_expiry","too_late_to_move","pack_not_found","pack_exhausted","pack_expired","pack_cancelled","internal"]
schemas = {
 "Instant": {"type": "string", "format": "date-time", "description": "RFC 3339, UTC, whole seconds", "examples": ["2026-11-24T18:00:00Z"]},
 "ErrorCode": {"type": "string", "enum": codes},
 "Error": {"type": "object", "additionalProperties": False, "required": ["error"], "properties": {"error": {
    "type": "object", "additionalProperties": False, "required": ["code", "message"], "properties": {
      "code": {"$ref": "#/components/schemas/ErrorCode"}, "message": {"type": "string"},
      "field": {"type": "string", "description": "the body field or query parameter at fault"},
      "opensAt": inst, "latestStart": inst, "limit": {"type": "integer"},
      "size": {"type": "integer", "description": "the size of the whole file, in bytes"},
      "index": {"type": "integer", "description": "the session of a pack purchase at fault (from 0)"},
      "expiresAt": inst,
      "variable": {"type": "string", "description": "the configuration variable to set"}}}}},
 "BookingRequest": {"type": "object", "required": ["announcementId", "coachId", "startDate", "endDate"],
   "examples": [{"announcementId": "ann_demo_60", "coachId": "coach_demo", "startDate": "2030-01-07T18:00:00Z", "endDate": "2030-01-07T19:00:00Z"}], "properties": {
    "announcementId": {"type": "string"}, "coachId": {"type": "string"}, "startDate": inst, "endDate": inst}},
 "RescheduleRequest": {"type": "object", "required": ["startDate", "endDate"], "properties": {"startDate": inst, "endDate": inst}},
 "LoginRequest": {"type": "object", "required": ["userId"], "properties": {"userId": {"type": "string"}}},
 "ReservationStatus": {"type": "string", "enum": ["confirmed", "cancelled"]},
 "VideoStatus": {"type": "string", "enum": ["pending", "ready", "deleted", "failed"]},
 "Role": {"type": "string", "enum": ["coach", "player"]},
 "Locale": {"type": "string", "enum": ["fr", "en"]},
 "Reservation": obj({"id": {"type": "string"}, "announcementId": {"type": "string"}, "coachId": {"type": "string"},
    "playerId": {"type": "string"}, "startDate": inst, "endDate": inst, "status": {"$ref": "#/components/schemas/ReservationStatus"},
    "videoStatus": {"$ref": "#/components/schemas/VideoStatus"}, "dailyRoomName": nstr, "dailyRoomUrl": nstr,
    "rescheduledAt": ninst, "createdAt": inst, **CALL}),
 "Session": obj({"id": {"type": "string"}, "role": {"$ref": "#/components/schemas/Role"}, "status": {"$ref": "#/components/schemas/ReservationStatus"},
    "announcementId": {"type": "string"}, "announcementTitle": {"type": "string"}, "coachId": {"type": "string"}, "playerId": {"type": "string"},
    "startDate": inst, "endDate": inst, "durationMinutes": {"type": "integer"},
    "counterpart": obj({"id": {"type": "string"}, "name": {"type": "string"}}),
    "dailyRoomUrl": nstr, "discordChannelUrl": nstr, "videoStatus": {"$ref": "#/components/schemas/VideoStatus"},
    "rescheduledAt": ninst, "opensAt": inst, "closesAt": inst,
    "packId": nstr, "packSession": {"oneOf": [{"type": "null"}, obj({"index": {"type": "integer"}, "of": {"type": "integer"}})],
      "description": "\"session 2/5\": its rank among its pack's live sessions by start, and the pack's size"}, **CALL}),
 "PackRequest": {"type": "object", "required": ["announcementId", "coachId"],
   "examples": [{"announcementId": "ann_demo_pack5", "coachId": "coach_demo", "sessions": [{"startDate": "2030-01-07T18:00:00Z", "endDate": "2030-01-07T19:00:00Z"}]}],
   "properties": {"announcementId": {"type": "string"}, "coachId": {"type": "string"},
     "sessions": {"type": "array", "items": {"$ref": "#/components/schemas/RescheduleRequest"}, "description": "the sessions to book now: none up to the pack's size"}}},
 "Pack": obj({"id": {"type": "string"}, "announcementId": {"type": "string"}, "title": {"type": "string"},
    "coachId": {"type": "string"}, "coachName": {"type": "string"}, "playerId": {"type": "string"}, "playerName": {"type": "string"},
    "packSize": {"type": "integer"}, "used": {"type": "integer"}, "remaining": {"type": "integer"},
    "status": {"type": "string", "enum": ["active", "cancelled"]}, "createdAt": inst, "expiresAt": inst,
    "sessions": {"type": "array", "items": obj({"id": {"type": "string"}, "startDate": inst, "endDate": inst,
      "status": {"$ref": "#/components/schemas/ReservationStatus"}, "usesCredit": {"type": "boolean"}})}}),
 "PackList": obj({"packs": {"type": "array", "items": {"$ref": "#/components/schemas/Pack"}},
    "nextCursor": {"type": ["string", "null"], "description": "pass as `cursor` for the next page; null on the last one"}}),
 "RecordingList": obj({"recordings": {"type": "array", "items": obj({"id": {"type": "string"}, "startedAt": inst,
    "durationSeconds": {"type": ["integer", "null"]}, "status": {"type": "string", "enum": ["finished", "error"]},
    "archive": {"type": ["string", "null"], "enum": ["pending", "copying", "archived", "failed", "expired", None],
      "description": "the copy in R2: `pending` (to copy), `copying`, `archived` (served from R2), `failed` (given up; the replay still opens at Daily while Daily keeps it), `expired` (past the retention: gone); null for an error"},
    "sizeBytes": {"type": ["integer", "null"], "description": "the archived file's size, once archived"},
    "url": {"type": ["string", "null"], "description": "the replay's URL; null for an error, and once expired"}})}}),
 "NotificationList": obj({"notifications": {"type": "array", "items": obj({
    "kind": {"type": "string", "enum": ["confirmation", "reminder", "rescheduled", "cancelled"]},
    "recipientRole": {"$ref": "#/components/schemas/Role"},
    "status": {"type": "string", "enum": ["pending", "sending", "sent", "failed", "skipped", "cancelled"],
      "description": "`failed`: given up after 5 attempts, or refused by Brevo; `skipped`: a reminder more than 10 minutes late, or no e-mail address; `cancelled`: a reminder of a slot that moved or a session that was cancelled"},
    "attempts": {"type": "integer"}, "dueAt": inst, "sentAt": ninst})}}),
 "WebhookReceived": obj({"outcome": {"type": "string", "enum": ["applied", "duplicate", "ignored"]}}),
 "Presence": {"oneOf": [{"type": "null"}, obj({"joinedAt": ninst, "leftAt": ninst, "seconds": {"type": "integer"}})]},
 "SessionList": obj({"sessions": {"type": "array", "items": {"$ref": "#/components/schemas/Session"}},
    "nextCursor": {"type": ["string", "null"], "description": "pass as `cursor` for the next page; null on the last one"}}),
 "Token": obj({"token": {"type": "string"}, "roomUrl": {"type": "string"}, "roomName": {"type": "string"},
    "userRole": {"$ref": "#/components/schemas/Role"}, "embed": {"type": "string", "enum": ["daily-prebuilt", "standin"]},
    "startDate": inst, "endDate": inst, "expiresAt": inst}),
 "Me": obj({"id": {"type": "string"}, "name": {"type": "string"}, "email": nstr, "locale": {"$ref": "#/components/schemas/Locale"}, "coachId": nstr}),
 "Catalog": obj({"coachId": {"type": "string"}, "coachName": {"type": "string"}, "announcements": {"type": "array", "items": obj({
    "id": {"type": "string"}, "title": {"type": "string"}, "durationMinutes": {"type": "integer"}, "priceCents": {"type": "integer"},
    "currency": {"type": "string"}, "packSize": {"type": ["integer", "null"], "description": "sessions in a pack; null for a single session"},
    "packValidityDays": {"type": ["integer", "null"], "description": "days from the purchase to book a pack's sessions"}})}}),
 "PageConfig": obj({"devLogin": {"type": "boolean"}, "loginUrl": {"type": "string"}}),
 "DemoUser": obj({"id": {"type": "string"}, "name": {"type": "string"}, "email": {"type": "string"},
    "locale": {"$ref": "#/components/schemas/Locale"}, "coachId": nstr}),
 "DemoUserList": obj({"users": {"type": "array", "items": {"$ref": "#/components/schemas/DemoUser"}}}),
 "Login": obj({"user": {"$ref": "#/components/schemas/DemoUser"}, "sessionToken": {"type": "string"}, "expiresIn": {"type": "integer"}}),
 "SignedOut": obj({"signedOut": {"const": True}}),
}
doc = {"openapi": "3.1.0",
 "info": {"title": "Edgemy sessions", "version": "1.0.0",
   "description": "Private Daily.co rooms for Edgemy coaching sessions, and a meeting token per participant. Every error is `{\"error\":{\"code\",\"message\"}}`. Every path also answers `HEAD` (where it answers `GET`) and `OPTIONS`; any other method is `405 method_not_allowed` with `Allow`. Requests with a body must be `application/json`. The README has the details."},
 "servers": [{"url": "/"}],
 "security": SEC,
 "paths": paths,
 "components": {
   "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT", "description": "the platform's HS256 session JWT"},
     "cookie": {"type": "apiKey", "in": "cookie", "name": "edgemy_session", "description": "the same JWT, in the session cookie"}},
   "headers": {"RetryAfter": {"description": "seconds to wait before retrying", "schema": {"type": "string", "pattern": "^[0-9]+$"}}},
   "parameters": {
     "ReservationId": {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}},
     "Limit": {"name": "limit", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 50}},
     "Cursor": {"name": "cursor", "in": "query", "required": False, "description": "the `nextCursor` of the page before", "schema": {"type": "string"}},
     "Include": {"name": "include", "in": "query", "required": False, "description": "`cancelled` lists cancelled sessions too", "schema": {"type": "string", "enum": ["cancelled"]}},
     "IdempotencyKey": {"name": "Idempotency-Key", "in": "header", "required": False, "description": "replays the first answer for the same key and body, for 24 h", "schema": {"type": "string", "pattern": "^[!-~]{1,255}$"}}},
   "schemas": schemas}}
text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
target = pathlib.Path(__file__).resolve().parent.parent / "public" / "openapi.json"
if sys.argv[1:] == ["--check"]:
    if target.read_text(encoding="utf-8") != text:
        sys.exit(f"{target} is out of date: run python3 scripts/openapi.py")
else:
    target.write_text(text, encoding="utf-8")
