"""What the helpdesk reads, one module per page or figure: person_file, funnel, counts,
admin_login."""
