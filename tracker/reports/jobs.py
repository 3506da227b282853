"""The report job: render a requested report in a worker, and hand out again what a dead worker abandoned."""
import logging

from flask_babel import force_locale
from flask_babel import gettext as _
from huey import crontab

from ..core.errors import DomainError
from ..core.jobs import enqueue, job, on_worker_start, periodic_job
from ..extensions import db
from . import requests
from .pdf import collector_paused, warm_up

logger = logging.getLogger("tracker.reports")


@job()
def render_report(request_id: int) -> int | None:
    """Render one request's report (nothing when another worker has it or it is finished: safe to run again)."""
    request = requests.claim(request_id)
    db.session.commit()  # the claim is seen at once: by the progress page, and by any other worker
    if request is None:
        return None

    def progress(stage: str) -> None:
        requests.set_stage(request, stage)
        db.session.commit()

    try:
        # The layout's garbage is collected once the report is recorded, not while the person waits for it.
        with collector_paused():
            report_id = requests.render(request, progress).id
            db.session.commit()
        return report_id
    except DomainError as error:  # refused by the rules (a year not in the plan, say): tell the person why
        db.session.rollback()
        requests.finish(request, error=str(error))
    except Exception:  # a bug or a broken dependency: logged for the administrator, told plainly to the person
        logger.exception("Report request %s failed", request_id)
        db.session.rollback()
        with force_locale(request.language):  # the person who asked reads it in the report's language
            requests.finish(request, error=_("The report could not be rendered because of an error in the tracker; "
                                             "the administrator has the details in the worker's log."))
    return None


def hand_out_abandoned() -> int:
    """Enqueue again the requests a dead worker (or a lost enqueue) left, and fail those tried too often."""
    requests.fail_exhausted()
    ids = requests.to_hand_out()
    db.session.commit()
    for request_id in ids:
        enqueue(render_report, request_id)
    return len(ids)


@periodic_job(crontab(minute="*"))
def sweep_reports() -> int:
    """Every minute: hand out again the report requests nobody is rendering."""
    return hand_out_abandoned()


on_worker_start(hand_out_abandoned)  # a worker that restarts after a crash picks up what the crash left


def warm_up_renderer() -> None:
    """Render a one-line PDF as the worker starts, so that its first report does not wait for the libraries."""
    try:
        warm_up()
    except Exception:  # a broken renderer must not stop the worker's other jobs; the report itself will say why
        logger.exception("Warming up the report renderer failed")


on_worker_start(warm_up_renderer)
