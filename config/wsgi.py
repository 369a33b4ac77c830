import os

from django.core.wsgi import get_wsgi_application

from config.lazy_admin import defer_admin_discovery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
defer_admin_discovery()  # the model admins load with the first admin request (~3 MB a worker)
application = get_wsgi_application()
