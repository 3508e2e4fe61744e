"""The LTI tool's tables (SQLAlchemy Core), in the same database as the LRS, all named `lti_…`.

- `lti_platforms`: each LMS registration (issuer + client id) and its endpoints, and how it was
  registered (`dynamic` or `manual`).
- `lti_deployments`: the deployment ids a platform may launch with; any other is refused.
- `lti_tool_keys`: the tool's RSA keys. `private_pem` is PKCS#8 PEM, encrypted with the
  operator's passphrase when one is configured (keys.py); the public JWK is kept beside it so
  the JWKS URL never needs the private key. A key signs while `retired_at` is empty and is
  still published until `retired_at` + the grace period.
- `lti_login_states`: one row per OIDC login: the state the tool gave the platform, the nonce
  bound to it, and `used_at`, set once, in the same transaction that accepts the launch: so an
  id_token is accepted once, whichever browser posts it again.
- `lti_users`: who launched, per platform (`sub` is only unique within one issuer).
- `lti_launches`: every accepted launch: who, with which roles, from which context and resource
  link, and the service endpoints (AGS, NRPS, deep linking) the platform offered in it.
- `lti_outbox`: grade posts waiting for the platform to accept them (outbox.py).
- `lti_launch_tokens`: the LRS credential of each learner launch (launch_tokens.py): the key,
  the SHA-256 of its random secret, the launch, the actor and registration it may write as.

Times are seconds since the epoch (UTC) as floats: the same comparison on SQLite and PostgreSQL.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

SCHEMA_VERSION = 1
metadata = MetaData()

# SQLite makes an INTEGER PRIMARY KEY autoincrement by itself; PostgreSQL gets a BIGINT identity.
Serial = BigInteger().with_variant(Integer(), "sqlite")

platforms = Table(
    "lti_platforms",
    metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    Column("issuer", String(255), nullable=False),
    Column("client_id", String(255), nullable=False),
    Column("name", Text, nullable=False, default=""),
    Column("authorization_endpoint", Text, nullable=False),
    Column("token_endpoint", Text, nullable=False),
    Column("jwks_uri", Text, nullable=False),
    Column("registration_source", String(16), nullable=False),  # "dynamic" | "manual"
    Column("product", Text, nullable=False, default=""),  # product_family_code, e.g. "moodle"
    Column("scopes", Text, nullable=False, default=""),  # granted at registration, space separated
    Column("registered_at", Float, nullable=False),
    UniqueConstraint("issuer", "client_id", name="lti_platforms_issuer_client"),
)

deployments = Table(
    "lti_deployments",
    metadata,
    Column("platform_id", ForeignKey("lti_platforms.id", ondelete="CASCADE"), primary_key=True),
    Column("deployment_id", String(255), primary_key=True),
    Column("added_at", Float, nullable=False),
)

tool_keys = Table(
    "lti_tool_keys",
    metadata,
    Column("kid", String(64), primary_key=True),
    Column("private_pem", Text, nullable=False),
    Column("encrypted", Integer, nullable=False),  # 1: PEM encrypted with the operator's passphrase
    Column("public_jwk", Text, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("retired_at", Float),
)

login_states = Table(
    "lti_login_states",
    metadata,
    Column("state", String(64), primary_key=True),
    Column("nonce", String(64), nullable=False, unique=True),
    Column("platform_id", ForeignKey("lti_platforms.id", ondelete="CASCADE"), nullable=False),
    Column("target_link_uri", Text, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
    Column("used_at", Float),
    Index("lti_login_states_by_expiry", "expires_at"),
)

users = Table(
    "lti_users",
    metadata,
    Column("platform_id", ForeignKey("lti_platforms.id", ondelete="CASCADE"), primary_key=True),
    Column("sub", String(255), primary_key=True),
    Column("name", Text, nullable=False, default=""),
    Column("given_name", Text, nullable=False, default=""),
    Column("family_name", Text, nullable=False, default=""),
    Column("email", Text, nullable=False, default=""),
    Column("last_launch_at", Float, nullable=False),
)

launches = Table(
    "lti_launches",
    metadata,
    Column("id", String(48), primary_key=True),  # random: the handle the tool's pages are opened with
    Column("platform_id", ForeignKey("lti_platforms.id", ondelete="CASCADE"), nullable=False),
    Column("deployment_id", String(255), nullable=False),
    Column("message_type", String(64), nullable=False),
    Column("user_sub", String(255), nullable=False),
    Column("roles", Text, nullable=False),  # JSON array of role URIs
    Column("context_id", String(255), nullable=False, default=""),
    Column("context_title", Text, nullable=False, default=""),
    Column("resource_link_id", String(255), nullable=False, default=""),
    Column("resource_link_title", Text, nullable=False, default=""),
    Column("target_link_uri", Text, nullable=False, default=""),
    Column("ags_lineitems", Text, nullable=False, default=""),
    Column("ags_lineitem", Text, nullable=False, default=""),
    Column("ags_scopes", Text, nullable=False, default="[]"),  # JSON array
    Column("nrps_memberships", Text, nullable=False, default=""),
    Column("deep_linking_settings", Text, nullable=False, default=""),  # JSON object, deep linking only
    Column("custom", Text, nullable=False, default="{}"),  # JSON object
    Column("launched_at", Float, nullable=False),
    Index("lti_launches_by_user", "platform_id", "user_sub"),
)

outbox = Table(
    "lti_outbox",
    metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    Column("platform_id", ForeignKey("lti_platforms.id", ondelete="CASCADE"), nullable=False),
    Column("launch_id", String(48), nullable=False),
    Column("lineitems_url", Text, nullable=False, default=""),
    Column("lineitem_url", Text, nullable=False, default=""),  # known, or found/created on delivery
    Column("resource_link_id", String(255), nullable=False, default=""),
    Column("resource_id", String(255), nullable=False, default=""),  # the tool's id of what is graded
    Column("label", Text, nullable=False, default=""),
    Column("score", Text, nullable=False),  # the AGS score JSON, timestamped when queued
    Column("created_at", Float, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_try_at", Float, nullable=False),
    Column("last_error", Text, nullable=False, default=""),
    Column("delivered_at", Float),
    Index("lti_outbox_due", "delivered_at", "next_try_at"),
)

launch_tokens = Table(
    "lti_launch_tokens",
    metadata,
    Column("key", String(48), primary_key=True),
    Column("secret_hash", String(64), nullable=False),  # SHA-256 hex of a 24-byte random secret
    Column("launch_id", String(48), nullable=False),
    Column("actor", Text, nullable=False),  # the xAPI Agent (JSON) this token writes as
    Column("registration", String(36), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
)

schema_version = Table(
    "lti_schema_version",
    metadata,
    Column("version", Integer, primary_key=True),
)
