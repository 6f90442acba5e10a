"""A fleet: a supervising ministry's site list, audited one Celery task per site, summarised across agencies.

Core (no Celery, no audit): `sites` (the site list), `jobs` (what a task carries and returns), `summary`
(pure aggregation), `collect` (the store read behind it). App: `worker` (the Celery app and its task),
`audit` (the process one task runs), `cli` (the `fleet` and `worker` commands).
"""
