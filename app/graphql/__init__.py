"""GraphQL API (Strawberry) over the same services and repositories as REST.

:mod:`.schema` composes the Query of each feature's ``gql.py``; the rest is generic
plumbing the features use: the request context and its DataLoaders (:mod:`.context`),
Relay connections (:mod:`.relay`), REST models to GraphQL types (:mod:`.convert`),
and the cost limit (:mod:`.cost`)."""
