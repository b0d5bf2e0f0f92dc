"""What the Telegram bot says to the owner, in French and English: our sentences, data as arguments.

As for debtors (bot/chat_texts.py), every text is `str.format` on our own strings; names, numbers
and what a debtor wrote are arguments, never templates, and the bot sends them as plain text.
"""

from __future__ import annotations

from dialogs.parties import Language
from dialogs.states import CaseState

_TEXTS: dict[Language, dict[str, str]] = {
    Language.FR: {
        "help": "Commandes : /cases (dossiers ouverts), /case N (un dossier), /pause N, /resume N, "
                "/paid FACTURE [montant], /review (réponses à examiner), /counter PLAN échéancier.",
        "cases_none": "Aucun dossier ouvert.",
        "cases_head": "Dossiers ouverts ({count}) :",
        "cases_line": "#{id} {ref} {name} — {balance} — {state}",
        "case_usage": "Précisez le dossier : {command} suivi de son numéro ou de la référence du client, "
                      "par exemple {command} 12.",
        "case_unknown": "Aucun dossier ne correspond à « {key} ».",
        "case_head": "Dossier #{id} — {ref} {name}",
        "case_state": "État : {state}",
        "case_next": "Prochaine action : {at}",
        "case_invoices": "Factures :",
        "case_invoice": "• {number} : reste {remaining} sur {amount}, échéance le {due}",
        "case_overdue": " ({days} j de retard)",
        "case_disputed": " — contestée",
        "case_balance": "Solde : {balance}",
        "case_events": "Derniers événements :",
        "case_event": "• {at} {kind} ({actor})",
        "paused": "Dossier #{id} en pause : plus aucune relance jusqu'à /resume {id}.",
        "resumed": "Dossier #{id} repris : les relances reprennent où elles en étaient.",
        "already": "Dossier #{id} : il est déjà {state}.",
        "transition": "Dossier #{id} : impossible de passer de « {current} » à « {target} ».",
        "paid_usage": "Précisez la facture, et le montant si le paiement est partiel : /paid F2026-0042 250,00",
        "paid_unknown": "Aucune facture « {number} ».",
        "paid_amount": "Montant illisible : « {text} ».",
        "paid_positive": "Un paiement est un montant positif (un remboursement est un avoir).",
        "paid_settled": "La facture {number} est déjà soldée ; précisez le montant reçu pour l'enregistrer.",
        "paid": "Paiement de {amount} enregistré sur {number} ; il reste {remaining}.",
        "paid_surplus": "Trop-perçu de {surplus} : il est dû au client.",
        "paid_closed": "Le dossier #{id} est soldé et clos.",
        "paid_again": "Ce paiement est déjà enregistré.",
        "review_none": "Aucune réponse n'attend votre examen.",
        "review_head": "Réponses à examiner ({count}) :",
        "review_line": "#{message} {at} — {who} — {what}",
        "notice_approved": "Mise en demeure approuvée (dossier #{id}) : {total} réclamés, délai jusqu'au {deadline}. "
                           "Elle part par e-mail avec son PDF.",
        "notice_no_email": "Mise en demeure approuvée (dossier #{id}) : {total} réclamés, délai jusqu'au {deadline}. "
                           "Le débiteur n'a pas d'adresse e-mail valide : imprimez-la (relance notice preview) "
                           "et envoyez-la par courrier.",
        "notice_refused": "Mise en demeure non approuvée (dossier #{id}) : {reason}",
        "rate_unknown": "Mise en demeure non approuvée (dossier #{id}) : {reason}. Ajoutez ce taux dans le dossier "
                        "que nomme [legal] rates_dir, fichier {table}.toml, puis réessayez.",
        "close_ask": "Clore le dossier #{id} ({ref} {name}) ? Son solde de {balance} ne sera plus réclamé, "
                     "et un dossier clos ne se rouvre pas.",
        "closed": "Dossier #{id} clos.",
        "plan_unknown": "Aucun échéancier #{plan}.",
        "plan_decided": "L'échéancier #{plan} n'attend plus de décision ({status}).",
        "counter_how": "Pour contre-proposer, envoyez /counter {plan} suivi de votre échéancier, par exemple : "
                       "/counter {plan} 400 € le 15/12, 400 € le 15/01 et le solde le 15/02",
        "counter_unread": "Échéancier non compris : indiquez des dates et/ou des montants, par exemple "
                          "« 3 x 400 € à partir du 15/12 ».",
        "countered": "Échéancier #{plan} remplacé par votre proposition ({count} versements) : elle part au débiteur, "
                     "qui l'accepte en répondant « 1 ».",
        "plan_approved": "Échéancier #{plan} accepté : le dossier #{id} suit cet échéancier.",
        "plan_confirmed": "Le débiteur en reçoit la confirmation par e-mail.",
        "plan_rejected": "Échéancier #{plan} refusé : les relances du dossier #{id} reprennent. Le débiteur n'en "
                         "est pas averti ; répondez-lui si vous le souhaitez.",
        "reviewed": "Réponse #{message} marquée comme vue.",
        "review_missing": "Le message #{message} n'a pas de lecture à marquer ; il reste dans /review.",
    },
    Language.EN: {
        "help": "Commands: /cases (open cases), /case N (one case), /pause N, /resume N, "
                "/paid INVOICE [amount], /review (replies to review), /counter PLAN schedule.",
        "cases_none": "No open case.",
        "cases_head": "Open cases ({count}):",
        "cases_line": "#{id} {ref} {name} — {balance} — {state}",
        "case_usage": "Say which case: {command} followed by its number or the customer's reference, "
                      "for example {command} 12.",
        "case_unknown": "No case matches \u201c{key}\u201d.",
        "case_head": "Case #{id} — {ref} {name}",
        "case_state": "State: {state}",
        "case_next": "Next action: {at}",
        "case_invoices": "Invoices:",
        "case_invoice": "• {number}: {remaining} left of {amount}, due {due}",
        "case_overdue": " ({days} days overdue)",
        "case_disputed": " — disputed",
        "case_balance": "Balance: {balance}",
        "case_events": "Latest events:",
        "case_event": "• {at} {kind} ({actor})",
        "paused": "Case #{id} paused: no reminder until /resume {id}.",
        "resumed": "Case #{id} resumed: reminders go on where they stood.",
        "already": "Case #{id} is already {state}.",
        "transition": "Case #{id}: cannot go from \u201c{current}\u201d to \u201c{target}\u201d.",
        "paid_usage": "Say which invoice, and the amount if the payment is partial: /paid F2026-0042 250.00",
        "paid_unknown": "No invoice \u201c{number}\u201d.",
        "paid_amount": "Unreadable amount: \u201c{text}\u201d.",
        "paid_positive": "A payment is a positive amount (a refund is a credit note).",
        "paid_settled": "Invoice {number} is already settled; give the amount received to record it.",
        "paid": "Payment of {amount} recorded on {number}; {remaining} left.",
        "paid_surplus": "Overpayment of {surplus}: it is owed to the customer.",
        "paid_closed": "Case #{id} is settled and closed.",
        "paid_again": "This payment was already recorded.",
        "review_none": "No reply is waiting for your review.",
        "review_head": "Replies to review ({count}):",
        "review_line": "#{message} {at} — {who} — {what}",
        "notice_approved": "Formal notice approved (case #{id}): {total} claimed, deadline {deadline}. "
                           "It goes by email with its PDF.",
        "notice_no_email": "Formal notice approved (case #{id}): {total} claimed, deadline {deadline}. "
                           "The debtor has no valid email address: print it (relance notice preview) and post it.",
        "notice_refused": "Formal notice not approved (case #{id}): {reason}",
        "rate_unknown": "Formal notice not approved (case #{id}): {reason}. Add that rate in the folder "
                        "[legal] rates_dir names, file {table}.toml, then try again.",
        "close_ask": "Close case #{id} ({ref} {name})? Its balance of {balance} will no longer be claimed, "
                     "and a closed case does not reopen.",
        "closed": "Case #{id} closed.",
        "plan_unknown": "No payment plan #{plan}.",
        "plan_decided": "Payment plan #{plan} no longer waits for a decision ({status}).",
        "counter_how": "To counter-propose, send /counter {plan} followed by your schedule, for example: "
                       "/counter {plan} €400 on 15/12, €400 on 15/01 and the rest on 15/02",
        "counter_unread": "Schedule not understood: give dates and/or amounts, for example \"3 x €400 from 15/12\".",
        "countered": "Payment plan #{plan} replaced by your proposal ({count} installments): it goes to the debtor, "
                     "who accepts it by replying \"1\".",
        "plan_approved": "Payment plan #{plan} approved: case #{id} follows it.",
        "plan_confirmed": "The debtor gets the confirmation by email.",
        "plan_rejected": "Payment plan #{plan} rejected: reminders of case #{id} resume. The debtor is not told; "
                         "answer them if you wish.",
        "reviewed": "Reply #{message} marked as reviewed.",
        "review_missing": "Message #{message} has no reading to mark; it stays in /review.",
    },
}
_STATES: dict[Language, dict[CaseState, str]] = {
    Language.FR: {
        CaseState.ACTIVE: "en relance", CaseState.PROMISED: "promesse en cours", CaseState.IN_PLAN: "en échéancier",
        CaseState.DISPUTED: "contesté", CaseState.PAUSED: "en pause",
        CaseState.NOTICE_PENDING: "mise en demeure à décider", CaseState.NOTICE_SENT: "mise en demeure envoyée",
        CaseState.AMICABLE_FAILED: "phase amiable échouée", CaseState.CLOSED: "clos",
    },
    Language.EN: {
        CaseState.ACTIVE: "being reminded", CaseState.PROMISED: "promise pending", CaseState.IN_PLAN: "in a plan",
        CaseState.DISPUTED: "disputed", CaseState.PAUSED: "paused",
        CaseState.NOTICE_PENDING: "formal notice to decide", CaseState.NOTICE_SENT: "formal notice sent",
        CaseState.AMICABLE_FAILED: "amicable phase failed", CaseState.CLOSED: "closed",
    },
}


def say(language: Language, text: str, /, **data: object) -> str:
    """Our sentence `text` in `language`, with `data` filled in as plain values."""
    return _TEXTS[Language(language)][text].format(**data)


def state_name(state: CaseState, language: Language) -> str:
    return _STATES[Language(language)][state]
