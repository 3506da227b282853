"""Pages of the overview feature."""
from flask import Blueprint

bp = Blueprint("overview", __name__, url_prefix="/overview")
