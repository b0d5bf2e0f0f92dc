# relance — the README's promises: `make demo` and `make test` on a fresh machine, nothing else to do.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test imap-server pdf-libraries bench model clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: install
	$(BIN)/relance demo

test: install imap-server pdf-libraries
	$(BIN)/python -m pytest

# The IMAP tests need Dovecot. Installed here when we can (root with apt-get); otherwise they skip, saying so.
imap-server:
	@if ! command -v dovecot >/dev/null 2>&1 && ! test -x /usr/sbin/dovecot; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing dovecot-imapd for the IMAP tests"; \
	    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	      dovecot-imapd >/dev/null; } || echo "could not install dovecot-imapd: the IMAP tests will be skipped"; \
	  else \
	    echo "dovecot not found (apt-get install dovecot-imapd, as root): the IMAP tests will be skipped"; \
	  fi; \
	fi

# WeasyPrint prints the formal notice through Pango; HarfBuzz's subsetter makes it twice as fast.
PDF_LIBS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
pdf-libraries:
	@if ! ldconfig -p | grep -q libpango-1.0 || ! ldconfig -p | grep -q libharfbuzz-subset; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing $(PDF_LIBS) for the formal notice's PDF"; \
	    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	      $(PDF_LIBS) >/dev/null; } || echo "could not install $(PDF_LIBS): PDF rendering may fail or be slow"; \
	  else \
	    echo "missing Pango or HarfBuzz-subset (apt-get install $(PDF_LIBS), as root): PDF rendering may fail or be slow"; \
	  fi; \
	fi

bench: install
	$(BIN)/python -m bench

# The learned second opinion on replies (dialogs/intent_model.py), retrained from tests/data/replies*.
model: install
	$(BIN)/python -m tests.reply_corpora

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .hypothesis
