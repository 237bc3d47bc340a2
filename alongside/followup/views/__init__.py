"""Pages for ongoing support, one module per feature; each module exports its urlpatterns."""
