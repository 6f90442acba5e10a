"""A fleet: a supervising ministry's site list, audited one Celery task per site, summarised across agencies.

Core (pure, no Celery): `sites` (the site list), `summary` (aggregation). App: `worker` (the Celery app
and its task), `audit` (the child process one task runs), `collect` (the store read of a night),
`cli` (the `fleet` and `worker` commands).
"""
