"""microquest as an LTI 1.3 tool: Dynamic Registration, OIDC login and launch, AGS grades, NRPS roster.

The entry point is `lti.app.create_lti_app(database_url, public_url, …)`, an ASGI app; see
app.py for its routes and README.md ("LTI 1.3") for how an LMS registers it.
"""
