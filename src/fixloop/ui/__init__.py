"""The live dashboard: `fixloop ui` serves the store's runs, trainings, memory and critic
evaluations as a few web pages that update while a run is in progress.

It only reads the store. `settings` holds how it runs, `auth` the token every request must
carry when one is set, `pages` what each page shows (assembled from `fixloop.analysis` and
`fixloop.report`), `live` the stream of run changes, and `app` the FastAPI app that ties
them to the templates and static files shipped in this package.
"""
