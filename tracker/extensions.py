"""Extension singletons, bound to the app in create_app."""
from flask_babel import Babel
from flask_bootstrap import Bootstrap5
from flask_caching import Cache
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from .core.models import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()
bootstrap = Bootstrap5()
babel = Babel()
cache = Cache()
# Counters shared by every worker (the store is RATELIMIT_STORAGE_URI: the database by default, Redis in production).
limiter = Limiter(key_func=get_remote_address, strategy="fixed-window")
