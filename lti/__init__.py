"""microquest as an LTI 1.3 tool: Dynamic Registration, OIDC login and launch, AGS grades, NRPS roster.

The entry point is `lti.app.create_lti_app(database_url, public_url, …)`, an ASGI app; see
app.py for its routes and README.md ("LTI 1.3") for how an LMS registers it. `microquest serve`
runs `lti.course_tool.create_course_tool`: that app with the LRS at /xapi/ over the same database
and the course's pages (course_service.py: progress, grades, the award; launch_tokens.py: each
learner launch's own LRS credential; instructor.py, course_pages.py: the pages).
"""
