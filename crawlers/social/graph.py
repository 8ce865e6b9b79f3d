"""The error answers of Meta's Graph API, shared by the Facebook and Instagram readers.

``{"error": {"message", "type", "code", "error_subcode", "error_user_msg"}}``. Not found: code 803 ("Some of the
aliases you requested do not exist") and, for Instagram's business discovery, subcode 2207013 ("The user with
username: … cannot be found": gone, renamed, or no longer a business or creator account). Code 100 with subcode
33 ("does not exist, cannot be loaded due to missing permissions, or does not support this operation") is an
error, not a not-found answer: it does not say which. Blocked: rate limits (4, 17, 32, 613, 80001-80014),
a temporary block (368), a token or permission refused (190, 10, 200-299), HTTP 401/403/429.
"""

from __future__ import annotations

from crawlers.social.answers import REFUSING_HTTP, Failure, http_failure

_NOT_FOUND_CODES = {803}
_NOT_FOUND_SUBCODES = {2207013}
_BLOCKED_CODES = {4, 10, 17, 32, 190, 368, 613}


def graph_error(network: str, answer, data) -> Failure:
    error = data.get("error") if isinstance(data, dict) else None
    if not isinstance(error, dict):
        return http_failure(network, answer, "Graph API")
    code, subcode = error.get("code"), error.get("error_subcode")
    message = " ".join(str(error.get("message") or "no message").split())
    told = " ".join(str(error.get("error_user_msg") or "").split())
    label = f"{code}/{subcode}" if subcode else str(code)
    reason = f"Graph API error {label}: {message}" + (f" ({told})" if told and told not in message else "")
    if code in _NOT_FOUND_CODES or subcode in _NOT_FOUND_SUBCODES:
        return Failure(network, "not_found", reason)
    if (code in _BLOCKED_CODES or isinstance(code, int) and (200 <= code <= 299 or 80001 <= code <= 80014)
            or answer.status in REFUSING_HTTP):
        return Failure(network, "blocked", reason)
    return Failure(network, "error", reason)
