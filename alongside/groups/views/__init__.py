"""Pages for group series, one module per feature; each module exports its urlpatterns."""
