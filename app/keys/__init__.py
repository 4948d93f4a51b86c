"""API keys: identities with scopes (read, submit, admin), and the one place that
decides who a request is (:mod:`app.keys.auth`)."""
