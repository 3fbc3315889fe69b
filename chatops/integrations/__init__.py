"""Integration adapters (httpx, one long-lived client each) and their MOCK twins. Linear (tickets)
is not monitored: it is there when its credentials are set, and absent otherwise."""
from __future__ import annotations

from dataclasses import dataclass

from chatops.settings import Settings

from .chatwoot import Chatwoot
from .ga import GoogleAnalytics
from .linear import Linear
from .mock import MockChatwoot, MockGoogleAnalytics, MockShopify
from .shopify import Shopify


@dataclass
class Integrations:
    shopify: Shopify | MockShopify
    chatwoot: Chatwoot | MockChatwoot
    google_analytics: GoogleAnalytics | MockGoogleAnalytics
    linear: Linear | None = None  # None: no credentials, or mock mode (tickets wait)

    def monitored(self) -> list:
        """The three monitored integrations, in the order people read them."""
        return [self.shopify, self.chatwoot, self.google_analytics]

    async def aclose(self) -> None:
        for integration in self.monitored():
            await integration.aclose()
        if self.linear is not None:
            await self.linear.aclose()


def build_integrations(settings: Settings) -> Integrations:
    """Live adapters where credentials are set, MOCK twins otherwise (or for all in mock mode)."""
    timeout = settings.occ_probe_timeout_s
    forced = settings.dashboard_use_mock
    why = "DASHBOARD_USE_MOCK is on" if forced else "no credentials"

    if not forced and settings.shopify_admin_token and (settings.shopify_base_url or settings.shopify_shop_domain):
        shopify: Shopify | MockShopify = Shopify(
            base_url=settings.shopify_base_url or f"https://{settings.shopify_shop_domain}",
            token=settings.shopify_admin_token.get_secret_value(),
            api_version=settings.shopify_api_version,
            timeout_s=timeout,
        )
    else:
        shopify = MockShopify(why)

    if not forced and settings.chatwoot_api_token and settings.chatwoot_base_url and settings.chatwoot_account_id:
        chatwoot: Chatwoot | MockChatwoot = Chatwoot(
            base_url=settings.chatwoot_base_url,
            token=settings.chatwoot_api_token.get_secret_value(),
            account_id=settings.chatwoot_account_id,
            timeout_s=timeout,
        )
    else:
        chatwoot = MockChatwoot(why)

    has_ga_creds = settings.ga_access_token or settings.google_application_credentials
    if not forced and settings.ga_property_id and has_ga_creds:
        ga: GoogleAnalytics | MockGoogleAnalytics = GoogleAnalytics(
            base_url=settings.ga_base_url,
            property_id=settings.ga_property_id,
            timeout_s=timeout,
            access_token=settings.ga_access_token.get_secret_value() if settings.ga_access_token else None,
            credentials_file=settings.google_application_credentials,
        )
    else:
        ga = MockGoogleAnalytics(why)

    linear = None
    if not forced and settings.linear_api_key and settings.linear_team_id:
        linear = Linear(api_url=settings.linear_api_url, api_key=settings.linear_api_key.get_secret_value(),
                        timeout_s=settings.occ_linear_timeout_s)

    return Integrations(shopify=shopify, chatwoot=chatwoot, google_analytics=ga, linear=linear)
