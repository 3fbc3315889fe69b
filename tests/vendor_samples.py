"""Shopify GraphQL Admin and GA4 Data API answers, shaped as the vendors document them (fake values).

Shopify (shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits; a throttled answer as recorded
on community.shopify.com/t/graphql-admin-api-example-throttled-requests-response/8456): `errors`,
`data` and `extensions` are top-level; throttling is `errors[].extensions.code == "THROTTLED"` in an
HTTP 200 body, with `extensions.cost.throttleStatus` {maximumAvailable, currentlyAvailable,
restoreRate}.
GA4 (developers.google.com/analytics/devguides/reporting/data/v1/rest/v1beta/PropertyQuota):
runReport with `returnPropertyQuota: true` answers `propertyQuota` with tokensPerDay,
tokensPerHour, concurrentRequests, serverErrorsPerProjectPerHour,
potentiallyThresholdedRequestsPerHour, tokensPerProjectPerHour, each {consumed, remaining}.
"""
from __future__ import annotations

from typing import Any


def shopify_cost(currently: float = 1999.0, maximum: float = 2000.0, restore: float = 100.0,
                 requested: int = 1, actual: int | None = 1) -> dict[str, Any]:
    return {"cost": {"requestedQueryCost": requested, "actualQueryCost": actual,
                     "throttleStatus": {"maximumAvailable": maximum, "currentlyAvailable": currently,
                                        "restoreRate": restore}}}


def shopify_shop(name: str = "Hot Rodan", **cost: Any) -> dict[str, Any]:
    return {"data": {"shop": {"name": name}}, "extensions": shopify_cost(**cost)}


def shopify_throttled(currently: float = 0.0, maximum: float = 2000.0) -> dict[str, Any]:
    return {"errors": [{"message": "Throttled", "extensions": {
                "code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits"}}],
            "extensions": shopify_cost(currently=currently, maximum=maximum, requested=1, actual=None)}


def shopify_error(message: str, code: str = "ACCESS_DENIED") -> dict[str, Any]:
    return {"errors": [{"message": message, "extensions": {"code": code}}], "data": None,
            "extensions": shopify_cost()}


def quota(consumed: int, remaining: int) -> dict[str, int]:
    return {"consumed": consumed, "remaining": remaining}


def ga_property_quota(day: tuple[int, int] = (10, 199_990), hour: tuple[int, int] = (10, 39_990),
                      project_hour: tuple[int, int] = (10, 13_990)) -> dict[str, Any]:
    return {"tokensPerDay": quota(*day), "tokensPerHour": quota(*hour),
            "concurrentRequests": quota(0, 10), "serverErrorsPerProjectPerHour": quota(0, 10),
            "potentiallyThresholdedRequestsPerHour": quota(0, 120),
            "tokensPerProjectPerHour": quota(*project_hour)}


def ga_report(property_quota: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "metricHeaders": [{"name": "sessions", "type": "TYPE_INTEGER"}],
        "rows": [{"metricValues": [{"value": "42"}]}], "rowCount": 1,
        "metadata": {"currencyCode": "USD", "timeZone": "America/Los_Angeles"}, "kind": "analyticsData#runReport",
    }
    if property_quota is not None:
        body["propertyQuota"] = property_quota
    return body
