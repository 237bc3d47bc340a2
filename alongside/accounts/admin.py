from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from alongside.accounts.models import Organization, User


@admin.register(User)
class AlongsideUserAdmin(UserAdmin):  # type: ignore[type-arg]
    list_display = ("username", "first_name", "last_name", "role", "organization", "is_active")
    list_filter = ("role", "organization", "is_active")
    fieldsets = (*UserAdmin.fieldsets, ("Alongside", {"fields": ("role", "organization")}))  # type: ignore[misc]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "slug", "timezone")
    prepopulated_fields = {"slug": ("name",)}
