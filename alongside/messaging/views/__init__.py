"""Pages and webhooks for messaging, one module per feature; each exports urlpatterns."""
