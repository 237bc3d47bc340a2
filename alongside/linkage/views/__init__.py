"""Pages for the resource directory and referrals, one module per feature; each exports urlpatterns."""
