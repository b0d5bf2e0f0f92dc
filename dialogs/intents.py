"""What a debtor's words mean: rule tables, French and English, scored into one intent with its evidence.

A new phrasing is one line in RULES (and one test). Patterns run on folded text (lower case, no
accents, plain apostrophes). A negatable rule is dropped when its clause is negated just before it
("je n'ai pas encore payé", "I don't dispute"); rules whose meaning is a negation are not negatable.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

from dialogs.wordregex import WordRegex


class Intent(StrEnum):
    PROMISE_TO_PAY = "promise_to_pay"
    ALREADY_PAID = "already_paid"
    DISPUTE = "dispute"
    PAYMENT_PLAN_REQUEST = "payment_plan_request"
    WRONG_CONTACT = "wrong_contact"
    OTHER = "other"
    AUTO_REPLY = "auto_reply"
    BOUNCE = "bounce"


@dataclass(frozen=True, slots=True)
class Rule:
    intent: Intent
    weight: float
    pattern: WordRegex
    negatable: bool


_P, _A, _D, _L, _W, _O = (Intent.PROMISE_TO_PAY, Intent.ALREADY_PAID, Intent.DISPUTE, Intent.PAYMENT_PLAN_REQUEST,
                          Intent.WRONG_CONTACT, Intent.OTHER)
_NEG = False  # marks a rule whose own words are a negation
# "faire", "passer", "envoyer" pay only with a payment for object: "je vais faire le virement" is a
# promise, "je vais voir ce que je peux faire" is not.
_PAYMENT_OBJECT = (r"\s+(?:a\s+|au\s+|l'|le\s+|la\s+|les\s+|un\s+|une\s+|mon\s+|ma\s+|notre\s+|ce\s+|cette\s+|"
                   r"des\s+|du\s+)(?:virements?|paiements?|reglements?|cheques?|versements?|necessaire|solde)")
_PAY_FUTURE = (r"paierai|paierons|payerai|payerons|reglerai|reglerons|verserai|verserons|virerai|virerons|"
               r"solderai|solderons|regulariserai|regulariserons|(?:enverrai|enverrons|ferai|ferons|procederai|"
               r"procederons|effectuerai|effectuerons|lancerai|lancerons|passerai|passerons)" + _PAYMENT_OBJECT)
_PAY_INFINITIVE = (r"payer|regler|verser|virer|solder|regulariser|(?:envoyer|faire|proceder|effectuer|lancer|"
                   r"passer)" + _PAYMENT_OBJECT)
# "Nous avons fait appel à vous" is no payment made.
_OTHER_OBJECT = (r"(?!e?s?\s+(?:appel|confiance)\b)"
                 r"(?!e?s?\s+(?:des|les|un|une|le|la|l'|mon|ma|mes|ces|nos|notre|votre|vos|plusieurs|deux|trois)\s*"
                 r"(?!virement|paiement|reglement|cheque|versement|solde|necessaire|ordre|montant|somme|fonds|"
                 r"transfert|totalite|facture|integralite)[a-z])")
_PAID = (r"paye|regle|vire|verse|solde|(?:envoye|effectue|fait|procede|emis|transfere|adresse|poste|remis|"
         r"lance|execute)(?=e?s?\b)" + _OTHER_OBJECT + r"|regularise|acquitte|preleve")
# SMS French glues the subject on: "jvous paye vendredi", "jvais payer", "g payé" / "jai payé" for "j'ai payé".
_I_GLUED = r"j'?(?=(?:vous|vais|regle|paye|paie|vire|verse)\b)"
_I_HAVE = r"j'ai|jai|j\s+ai|g"
# A payment named by its number, sum or date before its verb: "le chèque n° 4471823 de 96,50 € a été remis".
_PAYMENT_DETAILS = (r"(?:\s+(?:n[°o]\s*\d+|(?:de|d'un\s+montant\s+de)\s+\d[\d .,]*(?:€|[a-z]{3}\b|eur(?:os?)?\b)?|"
                    r"du\s+\d{1,2}/\d{1,2}(?:/\d{2,4})?|"
                    r"de\s+(?:la|votre|notre)\s+facture\s+(?:n[°o]\s*)?[\w/-]*\d[\w/-]*))*")
# The invoice a promise names is part of it, so a date after it is the promise's: "we'll pay invoice
# F2026-1206 on the 9th" (not "payouts land on the 8th, and we'll pay…").
_INVOICE_OBJECT = (r"(?:\s+(?:(?:the|this|that|our|your|la|cette|votre)\s+)?(?:(?:invoices?|inv\.|bills?|factures?)\s*"
                   r"(?:n[°o]\.?\s*|#\s*)?(?:[a-z]{1,4}[-/]?)?\d{2,}|[a-z]{1,4}[-/]?\d{2,})(?:[-/]\d+)*\b)?")
_NO_DAY_AFTER = r"(?![^.;!?\n]*\d)"  # nothing numbered, so no day, in the rest of the sentence
_NUMBER_WORD = r"\d{1,2}|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|douze|two|three|four|five|six|ten|twelve"

# The writer paid first by their own client: a promise waiting on it commits to nothing.
_WHEN_WE_ARE_PAID = (
    r"\b(?:quand|des\s+que|lorsque|une\s+fois\s+que)\s+(?:(?:on|nous)\s+(?:sera|serons)\s+(?:payee?s?|reglee?s?)|"
    r"(?:on|nous)\s+(?:aura|aurons)\s+(?:nous-memes\s+)?ete\s+(?:payee?s?|reglee?s?)|"
    r"(?:\w+\s+){1,3}?nous\s+(?:aura|auront|a|ont)\s+(?:paye|regle|verse)e?s?)\b|"
    r"\b(?:when|once|until|as\s+soon\s+as)\s+(?:we(?:'re|\s+are|\s+get|'ve\s+been|\s+have\s+been)\s+paid|"
    r"(?:our|the|my|they)\s*(?:(?:end\s+)?(?:client|customer)s?\s+)?"
    r"(?:pays|has\s+paid|settles|have\s+paid|pay)\s+us)\b")

# (intent, weight, pattern, negatable?)
_TABLE: list[tuple[Intent, float, str] | tuple[Intent, float, str, bool]] = [
    # ---- promise to pay: a commitment, usually with a date
    (_P, 2, r"\b(?:je|j'|" + _I_GLUED + r"|nous|on)\s*(?:vous\s+|le\s+|la\s+|les\s+|l'|vous\s+le\s+|vous\s+la\s+)?"
            r"(?:" + _PAY_FUTURE + r")\b" + _INVOICE_OBJECT),
    (_P, 2, r"\b(?:je\s+|" + _I_GLUED + r"|nous\s+|on\s+)(?:vais|allons|va)\s+(?:vous\s+|le\s+|la\s+|les\s+|l')?"
            r"(?:" + _PAY_INFINITIVE + r")\b" + _INVOICE_OBJECT),
    (_P, 1.5, r"\b(?:je\s+|" + _I_GLUED + r"|nous\s+|on\s+)(?:vous\s+)?(?:la\s+|le\s+|les\s+|l')?"
              r"(?:regle|reglons|paie|paye|payons|vire|virons|"
              r"verse|versons|solde|soldons)\b"),
    # "Je la passe demain": with the invoice for object, passing or sending it is paying it.
    (_P, 1.5, r"\b(?:je|nous)\s+(?:vous\s+)?(?:la|le|les|l')\s*(?:passe|passons|envoie|envoyons|fais|faisons)\b"),
    (_P, 1.5, r"\b(?:je|nous)\s+(?:vous\s+)?(?:fais|faisons|lance|lancons|passe|envoie|envoyons|programme|effectue)\s+"
              r"(?:le|un|mon|notre|ce|les|des)\s+(?:virements?|paiements?|reglements?|cheques?|versements?|necessaire)\b"),
    (_P, 2, r"\b(?:confirm\w*|garanti\w*)\s+(?:le|un|notre|mon|votre)\s+(?:reglement|paiement|virement|versement)\b"),
    # A payment named with a future date is a promise; the date's bonus does the rest.
    (_P, 0.5, r"\b(?:paiement|reglement|virement|versement|payment|transfer|wire)\b"),
    # An aside in brackets may come between: "le règlement de votre note (traduction du dossier X) interviendra".
    (_P, 2, r"\b(?:paiement|reglement|virement|versement|solde|cheque|facture|somme|montant|fonds|mandat)\b"
            r"(?:[^.;!?\n(]|\([^()\n]{0,120}\)){0,40}?\b(?:sera|seront|interviendra|interviendront|partira|"
            r"partiront|arrivera|arriveront|parviendra|parviendront|sera\s+fait|est\s+(?:prevu|programme|planifie)e?|"
            r"sont\s+prevus)\b"),
    (_P, 2, r"\bvous\s+(?:recevrez|aurez|serez\s+(?:regles?|payes?)|devriez\s+recevoir|parviendr\w+)\b"),
    # A passive future: "la facture sera réglée par virement le 8 décembre".
    # Not the writer being paid: "on vous paiera quand on sera payé".
    (_P, 2.5, r"\b(?<!\bon\s)(?:sera|seront|va\s+etre|vont\s+etre)\s+(?:bien\s+)?(?:reglee?s?|payee?s?|viree?s?|"
              r"versee?s?|soldee?s?|mandatee?s?|effectuee?s?|envoyee?s?|emise?s?|postee?s?|mise?s?\s+en\s+paiement)\b"),
    # A payment run to come: "included in our next payment run", "ajoutée à notre prochain virement".
    (_P, 2.5, r"\b(?:included|inclus\w*|added|ajoutee?s?|queued)\s+(?:in|to|for|dans|a)\s+(?:our|the|notre|le|la)\s+"
              r"(?:next|upcoming|coming|prochaine?)\s+(?:\w+\s+)?(?:payment|pay|bacs|virement|paiement|reglement|check|"
              r"cheque|wire)"),
    (_P, 1.5, r"\b(?:approved\s+for\s+payment|bon\s+pour\s+paiement|bon\s+a\s+payer)\b"),
    # The payment's time given for an invoice: "pour la F2026-1131, ce sera début janvier".
    (_P, 1.5, r"\b(?:ce|ca)\s+sera\s+(?:pour\s+|regle\s+|paye\s+)?(?:debut|fin|mi|milieu|courant|avant|d'ici|le\s+\d|"
              r"la\s+semaine|lundi|mardi|mercredi|jeudi|vendredi|samedi)\b"),
    (_P, 2, r"\b(?:je\s+m'engage|nous\s+nous\s+engageons|je\s+(?:vous\s+)?promets|nous\s+(?:vous\s+)?promettons)\b"),
    (_P, 1.5, r"\b(?:je|nous)\s+(?:peux|pouvons|pourrai|pourrons|pourrais|pourrions)\s+(?:vous\s+)?(?:"
              + _PAY_INFINITIVE + r")\b"),
    (_P, 1.5, r"\b(?:prevu|programme|planifie)e?\s+(?:pour|le|ce|d'ici)\b"),
    (_P, 1.5, r"\b(?:je|nous)\s+(?:m'en\s+occupe|nous\s+en\s+occupons|fais\s+le\s+necessaire|regularise|"
              r"regularisons)\b"),
    (_P, 1, r"\bsans\s+faute\b|\bau\s+plus\s+tard\b|\bpas\s+avant\b"),
    (_P, 2, r"\b(?:i|we)\s*(?:will|'ll|shall|am\s+going\s+to|are\s+going\s+to|intend\s+to|plan\s+to|can|could|"
            r"'m\s+going\s+to|'re\s+going\s+to)\s+(?:be\s+able\s+to\s+)?(?:\w+\s+)?(?:pay|settle|transfer|send|wire|"
            r"clear|make|process|arrange|release|authori[sz]e|have\s+(?:the\s+)?(?:payment|money|funds)|"
            r"get\s+(?:the\s+)?(?:payment|money|funds)|get\s+(?:it|this|that)\s+(?:paid|settled|cleared)|"
            r"sort\s+(?:out\s+)?the\s+\S+|"
            r"have\s+(?:it|this|that|the\s+(?:invoice|balance|bill|account))\s+(?:cleared|paid|settled|sorted)|"
            r"do\s+(?:it|this|that|the\s+(?:payment|transfer))\b(?!\s+(?:if|once|when)))\b" + _INVOICE_OBJECT),
    # Notes drop the subject: "Not yet paid, will pay by Friday."
    (_P, 2, r"(?:^|(?<=[.!?,;:\n-]))\s*(?:will|shall)\s+(?:pay|settle|transfer|send|wire|clear|"
            r"get\s+(?:it|this|that)\s+(?:paid|settled))\b"),
    # "Sort it out" may be the paperwork or a mix-up as well as the money: a promise only with a date.
    (_P, 1.5, r"\b(?:(?:i|we)'ll|will|shall|going\s+to)\s+(?:sort\s+(?:it|this|that)(?:\s+out)?|get\s+(?:it|this|that)\s+"
              r"(?:sorted|done))\b"),
    (_P, 2, r"\b(?:will|'ll)\s+(?:go\s+(?:out|in\s+the\s+(?:post|mail))|be\s+(?:paid|sent|settled|transferred|processed|released|made|wired|"
            r"cleared|with\s+you))\b"),
    # Not mail finding its way: "so it goes straight to him next time".
    (_P, 2, r"\b(?:payment|transfer|money|funds|it|cheque|check|wire)\s+(?:goes|is\s+going|leaves|is\s+being\s+sent|"
            r"gets\s+sent)\b(?!\s+(?:straight|directly)\s+to\b)"),
    # The sum itself leaving, as "£650 went across" tells a payment made: "the £1,240 goes out on Friday".
    (_P, 2, r"\b\d[\d,.]*(?:\s?(?:€|eur|euros|gbp|usd))?\s+(?:goes|is\s+going|will\s+go|leaves|will\s+leave)\s+"
            r"(?:out|across|over)\b"),
    (_P, 2, r"\b(?:payment|transfer|remittance|balance|invoice|money|funds|amount)\b[^.;!?\n]{0,40}?\b(?:will\s+be|"
            r"is\s+(?:scheduled|planned|booked)|should\s+(?:be|reach|arrive|clear)|'ll\s+be|will\s+(?:reach|arrive|"
            r"clear|go\s+out))\b"
            # Paperwork moving is no payment: "the invoice will be routed for approval".
            r"(?!\s+(?:routed|reviewed|checked|forwarded|passed\s+on|sent\s+(?:for|to)|looked\s+at|queried|"
            r"approved|assessed|examined|considered|put\s+forward))"),
    (_P, 2, r"\byou\s*(?:will|'ll|should)\s+(?:receive|have|get|see)\b"),
    (_P, 2, r"\b(?:i|we)\s+(?:promise|commit|undertake)\b"),
    (_P, 1.5, r"\b(?:scheduled|planned|booked)\s+(?:for|on)\b|\b(?:i|we)\s*(?:'m|'re|am|are)\s+paying\b"),
    (_P, 1, r"\bat\s+the\s+latest\b|\bwithout\s+fail\b"),
    # ---- already paid
    (_A, 3, r"\b(?:" + _I_HAVE + r"|nous\s+avons|on\s+a|j'avais|nous\s+avions|(?:je|nous)\s+(?:vous|l'|les|lui|leur)\s*"
            r"(?:ai|avons|avions|avais))\s+(?:deja\s+|bien\s+|pourtant\s+|effectivement\s+|"
            r"tout\s+|integralement\s+|meme\s+|aussi\s+|egalement\s+|donc\s+|hier\s+)*(?:" + _PAID + r")e?s?\b"),
    # A third party paid: "le club a soldé les deux factures", "mon comptable a réglé".
    (_A, 2.5, r"\b(?:il|elle|qui|comptable|club|association|societe|banque|service|tresorier|tresoriere|mari|femme|"
              r"epouse|epoux|conjointe?|compagne|compagnon|fils|fille)\s+a\s+(?:deja\s+|bien\s+)?"
              r"(?:paye|regle|solde|vire|"
              r"verse|acquitte|(?:fait|envoye|effectue)\s+(?:le|un)\s+(?:virement|cheque|paiement|reglement))\b"),
    (_A, 2.5, r"\b(?:team|accountant|bookkeeper|department|office|bank|company|finance|accounts|treasurer)\s+"
              r"(?:has\s+|have\s+|had\s+)?(?:already\s+)?(?:paid|settled|transferred|wired|(?:mailed|sent|posted)\s+"
              r"(?:a|the|our|your)\s+(?:check|cheque|payment|wire|transfer))\b"),
    (_A, 3, r"\b(?:nous\s+nous\s+sommes|je\s+me\s+suis|s'est)\s+(?:deja\s+|bien\s+)?acquitte"),
    # "Réglé par chèque posté hier"; "je vous règle par virement" is the present tense, a promise.
    (_A, 2.5, r"\b(?<!je\s)(?<!vous\s)(?<!sera\s)(?<!seront\s)(?<!etre\s)"
              r"(?:reglee?s?|payee?s?|viree?s?|soldee?s?)\s+(?:le\s+\d{1,2}[/.]\d{1,2}(?:[/.]\d{2,4})?\s+)?(?:par|en)\s+(?:cheque|virement|"
              r"carte|cb|prelevement|especes|paypal|la\s+dgfip|la\s+drfip|le\s+tresor|la\s+tresorerie)"),
    (_A, 2.5, r"\b(?<!be\s)(?:paid|settled)\s+(?:by|via|with)\s+(?:cheque|check|card|credit\s+card|debit\s+card|"
              r"bank\s+transfer|transfer|wire|bacs|direct\s+debit|paypal)\b"),
    (_A, 2.5, r"\b(?:wire|transfer|payment|remittance|money|funds|cheque|check|bacs)\b[^.;!?\n]{0,30}?\b(?:left|went\s+"
              r"(?:out|across|through|over|off|in\s+the\s+(?:post|mail))|cleared|has\s+gone|was\s+debited)\b"),
    (_A, 2.5, r"(?:[£$€]\s?\d[\d,.]*|\b\d[\d,.]*\s?(?:€|eur|euros|gbp|usd))\s+"
              r"(?:went\s+(?:out|across|through|over)|left|cleared)\b"),
    (_A, 2, r"\b(?:wire|transfer|payment|remittance|bacs|bank)\s+(?:confirmation|receipt|advice|slip)\b|"
            r"\b(?:confirmation|receipt|proof)\b[^.;!?\n]{0,40}?\b(?:attached|enclosed)\b"),
    # Alone, only a verb of paying: "la prestation a été faite" is no payment.
    (_A, 3, r"\b(?:a|ont|avait|avaient)\s+(?:deja\s+|bien\s+)?ete\s+(?:paye|regle|vire|verse|solde|regularise|"
            r"acquitte|preleve|debite)e?s?\b"),
    (_A, 2.5, r"\b(?:est|sont)\s+(?:deja\s+|bien\s+)?(?:payee?s?|reglee?s?|soldee?s?|acquittee?s?)\b"),
    # A public body's accountant has released the payment: "l'a mise en paiement le 10/11". (Only "mandatée",
    # the order to pay issued, is not yet paid: the accountant still has to release it.)
    (_A, 3, r"\b(?:a|ont|l'a|les\s+a|avons|ai)\s+(?:deja\s+|bien\s+)?(?:ete\s+)?mise?s?\s+en\s+paiement\b"),
    (_A, 3, r"\bdeja\s+(?:ete\s+)?(?:payee?s?|reglee?s?|viree?s?|versee?s?|soldee?s?)\b"),
    # The payment may be named by its number, sum or date first: "le chèque n° 4471823 de 96,50 € a été remis",
    # "le chèque vous a été posté vendredi".
    (_A, 2.5, r"\b(?:virement|paiement|reglement|cheque|versement)" + _PAYMENT_DETAILS
              + r"\s+(?:(?:vous|nous|lui|leur)\s+)?(?:a\s+ete\s+|est\s+|bien\s+)?(?:remis|effectue|emis|"
              r"envoye|adresse|parti|passe|fait|execute|poste|debite)\b"),
    (_A, 2, r"\b(?:justificatif|preuve|avis|confirmation|copie|capture)\s+(?:de|du)\s+(?:virement|paiement|"
            r"reglement|releve|l'ordre\s+de\s+virement)\b"),
    (_A, 2.5, r"\bc'est\s+(?:deja\s+|bien\s+)?(?:regle|paye|parti|fait|vire|envoye)\b"),
    # A sentence that opens on the participle: "Réglé le 3 décembre", "Paid yesterday".
    (_A, 2.5, r"(?:^|[.!?:]\s+|\n)\s*(?:(?:si|oui|yes|yep|ok|bien\s+sur|of\s+course)[\s,!]+)*(?:deja\s+|already\s+)?(?:reglee?s?|payee?s?|viree?s?|versee?s?|soldee?s?|"
              r"paid|settled|transferred|wired)\b"),
    (_A, 2.5, r"\bpaid\s+(?:yesterday|last\s+\w+|this\s+morning|on\s+\w+|in\s+full)\b|\bshould\s+have\s+(?:cleared|"
              r"arrived|reached\s+you|landed|been\s+received)\b"),
    (_A, 2, r"\bvous\s+(?:avez|auriez)\s+(?:du|deja|bien)\s+(?:recevoir|recu)\b"),
    (_A, 3, r"\b(?:i|we)\s*(?:have|'ve|had|'d)?\s*(?:already\s+)?(?:paid|settled|transferred|wired|cleared|remitted|"
            r"(?:sent|posted|mailed|dispatched)\s+(?:the\s+|you\s+the\s+|you\s+a\s+|a\s+|our\s+|my\s+)?"
            r"(?:payment|money|funds|transfer|cheque|check|wire|bacs)|"
            r"made\s+(?:the\s+|a\s+)?payment)\b"),
    (_A, 2.5, r"\b(?:payment|transfer|invoice|balance|amount|it|this|that|bill|cheque|check)\b[^.;!?\n]{0,30}?"
              r"\b(?:has|have|was|were)\s+"
              r"(?:already\s+)?(?:been\s+)?(?:paid|payed|settled|transferred|made|cleared|processed|sent|mailed|"
              r"posted|done|executed|initiated|effected)\b"),
    (_A, 2.5, r"\b(?:factures?|invoices?|bills?)\s+(?:deja\s+|already\s+)?(?:payee?s?|reglee?s?|soldee?s?|acquittee?s?|"
              r"paid|settled)\b"),
    # "payed": how many who learnt English elsewhere spell it.
    (_A, 3, r"\balready\s+(?:been\s+)?(?:paid|payed|settled)\b"),
    (_A, 2, r"\b(?:proof|confirmation|evidence)\s+of\s+(?:payment|transfer)\b|\bremittance\s+advice\b"),
    (_A, 2.5, r"\byou\s+should\s+have\s+(?:received|got)\b|\byou\s+should\s+(?:already|now|by\s+now)\s+have\b"),
    (_A, 2.5, r"\bincluded\s+in\b(?!\s+(?:our|the)\s+(?:next|upcoming|coming)\b)[^.;!?\n]{0,30}\bpayment|"
              r"\binclus\w*\s+dans\b[^.;!?\n]{0,30}\b(?:virement|paiement|"
              r"reglement)"),
    # ---- dispute
    (_D, 3, r"\b(?:je|nous)\s+(?:contestons|conteste)\b"),
    (_D, 2, r"\bcontest(?:ation|e|ee|ons|er|able)s?\b"),
    (_D, 2.5, r"\blitiges?\b|\breclamation\b"),
    (_D, 3, r"\b(?:facture|montant|somme|prix|tarif|calcul|quantite|total)s?\b[^.;!?\n]{0,30}?\b(?:est\s+|sont\s+)?"
            r"(?:erronee?s?|incorrecte?s?|inexacte?s?|fausse?s?|faux)\b"),
    (_D, 3, r"\berreurs?\s+(?:de|sur|dans)\s+(?:la\s+|le\s+|votre\s+|cette\s+|vos\s+)?(?:facture|facturation|montant|"
            r"calcul|prix|quantite|tarif)"),
    # What was never received is the goods, unless it is paperwork or money: "jamais reçu le fauteuil".
    (_D, 3, r"\b(?:jamais|pas)\s+(?:encore\s+)?(?:ete\s+)?(?:commandee?s?|livree?s?|recu\s+(?:la|les|le|l'|mon|ma|mes|"
            r"notre|nos|vos|votre)\s*(?!facture|relance|courrier|mail|e-mail|email|message|rappel|releve|avoir|lettre|"
            r"devis|reglement|paiement|virement|rib|lien|code)[a-z])", _NEG),
    (_D, 2.5, r"\bpourquoi\s+(?:je|nous|on)\s+(?:paierais|paierions|paierait|devrais|devrions|devrait|reglerais|"
              r"reglerions)\b|\bwhy\s+(?:should|would)\s+(?:i|we)\s+pay\b", _NEG),
    (_D, 3, r"\b(?:i|we)\s+(?:had\s+|have\s+|'ve\s+)?cancell?ed\s+(?:the|this|our|my|that)\s+(?:order|contract|"
            r"booking|subscription|service|job)\b|\b(?:j'ai|nous\s+avons|on\s+a)\s+(?:bien\s+)?annule\s+(?:la|cette|"
            r"notre|ma|le|mon|ce)\s+(?:commande|contrat|prestation|reservation|intervention|abonnement)\b"),
    (_D, 2.5, r"\bwrong\s+(?:legal\s+)?entity\b|\b(?:separate|different)\s+(?:legal\s+)?entity\b|"
              r"\bmauvaise\s+entite\b|\bentite\s+(?:juridique\s+)?(?:distincte|differente)\b"),
    (_D, 3, r"\b(?:travaux|travail|prestation|chantier|intervention|livraison|commande|produit|marchandise|service|"
            r"installation|reparation)s?\b[^.;!?\n]{0,40}?\b(?:pas|jamais|non)\s+(?:ete\s+|encore\s+)?(?:termine|"
            r"realise|effectue|fait|livre|conforme|fini|acheve)e?s?\b", _NEG),
    (_D, 3, r"\b(?:defectueu(?:x|se)s?|cassee?s?|brisee?s?|malfacons?|non[\s-]conformes?|pas\s+conformes?|endommagee?s?|abimee?s?|"
            r"inachevee?s?)\b"),
    (_D, 3, r"\b(?:trop|deux\s+fois)\s+factur|\bdouble\s+facturation\b|\bfactur(?:e|ee|es|ees|ez|ent|ons)\s+"
            r"(?:en\s+double|deux\s+fois)\b"),
    (_D, 3, r"\bne\s+(?:vous\s+)?(?:dois|devons|doit)\s+rien\b|\bpas\s+redevables?\b", _NEG),
    (_D, 3, r"\b(?:refuse|refusons)\s+de\s+(?:payer|regler)\b|\bne\s+(?:(?:vous\s+)?(?:la|le|les|l')\s*)?(?:paierai|paierons|reglerai|reglerons|"
            r"payerai|payerons|paiera|payera|reglera)\s+pas\b(?!\s+en\s+l'etat)|"
            r"\bpas\s+question\s+de\s+(?:payer|regler)\b|"
            r"\b(?:do\s+not|don't|cannot|can't|will\s+not|won't)\s+accept\s+(?:this|the|these|your)\s+"
            r"(?:invoice|bill|charge|late\s+(?:payment\s+)?(?:interest|fees?|charges?)|interest|fees?|penalt(?:y|ies))|"
            r"\b(?:n'acceptons|n'accepte|refusons|refuse)\s+(?:pas\s+)?(?:cette|la|votre)\s+facture\b", _NEG),
    # The fees a reminder adds, asked to be withdrawn: "retirer ces frais", "waive the late fee".
    (_D, 2.5, r"\b(?:retirer|annuler|supprimer|enlever|remove|waive|drop|cancel)\s+(?:ces|les|vos|cette|the|these|"
              r"those|your|this)\s+(?:late\s+)?(?:frais|penalites?|interets|indemnites?|majorations?|charges?|fees?|"
              r"interest|penalt(?:y|ies)|costs)\b|\babusi(?:f|ve)s?\b"),
    # A charge said unjustified, too high ("240 EUR too high", "50 € de trop") or part of the price agreed, or the
    # payment held until the work is put right ("je paye pas tant que c pas réparé").
    (_D, 3, r"\b(?:ne\s+(?:sont|est)\s+pas|not)\s+justifiee?s?\b|\binjustifiee?s?\b|\bunjustified\b|"
            r"\b\d[\d.,']*\s?(?:€|eur\w*|£|gbp|\$|usd|chf)\s+(?:too\s+(?:high|much)|de\s+trop|en\s+trop)\b|"
            r"\b(?:was|were|is|are|should\s+(?:be|have\s+been))\s+(?:already\s+)?included\s+in\s+(?:the|our|your)\s+"
            r"(?:\w+\s+)?(?:price|quote|quotation|estimate|package|contract)\b|"
            r"\b(?:etait|etaient|est|sont)\s+(?:deja\s+)?(?:inclus|compris)e?s?\s+dans\s+(?:le|la|votre|notre)\s+"
            r"(?:prix|devis|forfait|contrat|tarif)\b|"
            r"\b(?:paye|paie|payons|regle|reglons|verse|paierai|paierons|payerai|reglerai|reglerons)\s+(?:rien|pas)\s+"
            r"(?:tant\s+que|avant\s+que)\b", _NEG),
    # Refused "as it stands", the invoice is held until corrected: a dispute, but not the debt denied, so a
    # dated promise on another invoice outweighs it ("je ne la réglerai pas en l'état, il me faut un avoir").
    (_D, 2, r"\ben\s+l'etat\b|\bin\s+its\s+(?:current|present)\s+(?:form|state)\b", _NEG),
    (_D, 2.5, r"\bpas\s+d'accord\s+(?:avec|sur)\b|\bdesaccord\b", _NEG),
    (_D, 1.5, r"\b(?:un|d'un|votre|notre|cet|par)\s+avoir\b"),
    (_D, 3, r"\b(?:reediter|rectifier|corriger|modifier|refaire|annuler)\s+(?:la|cette|votre)\s+facture\b"
            r"(?!\s+(?:[\w/-]*\d[\w/-]*\s+)?(?:au\s+nom|a\s+l'ordre|a\s+l'adresse))|"
            r"\bla\s+(?:reediter|rectifier|corriger)\b|\bfactures?\s+(?:rectificative|rectifiee|corrigee|modifiee)s?\b"),
    (_D, 3, r"\b(?:suspend\w*|bloqu\w*|retenons|retiens)\s+(?:tout\s+|le\s+|notre\s+)?(?:paiement|reglement)\b|"
            r"\b(?:withhold\w*|holding)\s+(?:the\s+|any\s+|all\s+)?payment\b|\bpas\s+de\s+livraison\b"),
    (_D, 2, r"\b(?:infiltrations?|fuites?|malfa\w+|vices?\s+caches?|defauts?|mandate\s+un\s+expert|expertise)\b"),
    (_D, 2, r"\battend\w*\s+(?:toujours\s+|encore\s+)?(?:la\s+)?(?:livraison|marchandise|commande)\b|"
            r"\bet\s+non\s+\d+|\bstill\s+(?:waiting|not\s+received)\b"),
    # Against what was agreed or delivered only: an account holder's name that "ne correspond pas" is a bank check.
    (_D, 2, r"\bne\s+correspond\s+pas\s+(?:a|au|aux)\s+(?:la\s+|le\s+|l'|notre\s+|nos\s+|votre\s+|vos\s+|ce\s+qui\s+|"
            r"ce\s+que\s+)?(?:devis|commandes?|bons?|contrat|tarifs?|prix|offre|factures?|convenu|prevu|livraisons?|"
            r"quantites?|realite|accord|proposition)|\bpas\s+ce\s+qui\s+(?:etait|a\s+ete)\s+(?:prevu|convenu)\b", _NEG),
    (_D, 3, r"\b(?:i|we)\s+(?:dispute|contest|query|challenge)\b|\bdisput\w*"),
    (_D, 3, r"\bne\s+correspond\s+a\s+(?:aucune?|rien)\b|\b(?:does\s+not|doesn't)\s+(?:correspond|relate)\s+to\s+"
            r"(?:any|anything)\b|\bil\s+(?:en\s+)?manque\s+(?:\d+|plusieurs|une\s+partie|la\s+moitie)\b"),
    (_D, 3, r"\bduplicate\b|\bdoublons?\b|\ben\s+double\b|\bdouble\s+emploi\b"),
    (_D, 2, r"\b(?:cancel|annuler)\s+(?:the|this|cette|la)\s+(?:duplicate|invoice|facture|doublon)\b"),
    # Reissued to another party is paperwork: "please reissue the invoice to our subsidiary".
    (_D, 3, r"\b(?:reissue|re-issue|re-?invoice)\b(?!\s+(?:the\s+|this\s+|it\s+)?(?:invoice\s+)?to\b)|"
            r"\b(?:corrected\s+invoice|revised\s+invoice|amended\s+invoice)\b|\bordered\b"
            r"[^.;!?\n]{0,40}\binvoiced\b"),
    (_D, 3, r"\bnever\s+(?:agreed|arrived|turned\s+up|showed\s+up)\b|"
            r"\bjamais\s+(?:accepte|convenu|valide|arrive)e?s?\b|"
            r"\b(?:not|n't)\s+paying\s+(?:for\b|(?:another|a|one)\s+(?:penny|cent|dime|euro|pound)\b|"
            r"anything\s+until\b)", _NEG),
    (_D, 2.5, r"\b(?:is|are|was|were|has|have)\s+(?:still\s+)?not\s+(?:been\s+)?(?:finished|completed|delivered|done|"
              r"installed|fixed|repaired)\b|\bstill\s+missing\b", _NEG),
    (_D, 2, r"\b(?:once|until|when)\s+the\s+(?:job|work|order|delivery|installation|repair)\s+is\b"),
    (_D, 3, r"\b(?:invoice|amount|bill|charge|price|total|figure)s?\b[^.;!?\n]{0,30}?\b(?:is|are|seems|looks|was)\s+"
            r"(?:incorrect|wrong|inaccurate|too\s+high|erroneous)\b"),
    (_D, 3, r"\b(?:incorrect|wrong|erroneous|inaccurate)\s+(?:invoice|amount|bill|charge|price|quantity|rate|total)"),
    (_D, 3, r"\bnever\s+(?:ordered(?!\s+anything)|received\s+(?:the|any|our)\s+(?!invoice|reminder|e?mail|bill|statement)\w+)|"
            r"\b(?:did\s+not|didn't)\s+(?:order|receive\s+the\s+(?:goods|order|delivery|items))", _NEG),
    (_D, 2.5, r"\b(?:faulty|defective|damaged|broken|not\s+as\s+described|poor\s+quality|substandard|incomplete\s+work)\b"),
    (_D, 3, r"\b(?:work|job|service|order|delivery|goods)\b[^.;!?\n]{0,30}?\b(?:never|not)\s+(?:been\s+)?(?:completed|"
            r"delivered|finished|done|carried\s+out)\b", _NEG),
    (_D, 3, r"\b(?:overcharged|charged\s+(?:us\s+|me\s+)?twice|billed\s+(?:us\s+|me\s+)?twice|double[\s-](?:billed|"
            r"charged|billing)|duplicate\s+invoice)\b"),
    (_D, 3, r"\b(?:don't|do\s+not|doesn't|does\s+not)\s+owe\b|\bnot\s+liable\b|\brefuse\s+to\s+pay\b|"
            r"\b(?:won't|will\s+not|shan't|shall\s+not)\s+(?:be\s+)?pay", _NEG),
    (_D, 2.5, r"\bdisagree\b|\bnot\s+(?:agree|happy|satisfied)\s+with\b", _NEG),
    (_D, 1.5, r"\bcredit\s+note\b"),
    # ---- payment plan request
    (_L, 3, r"\bech[ea]ancier\b|\bechelonn\w*|\betal(?:er|ement|ant|e)\b|\bfractionn\w*|\bfacilites?\s+de\s+"
            r"(?:paiement|reglement)\b|\bplan\s+de\s+(?:paiement|remboursement|reglement|financement)\b"),
    (_L, 3, r"\ben\s+(?:plusieurs?|" + _NUMBER_WORD + r")\s+(?:fois|versements|mensualites|echeances|paiements|"
            r"tranches|prelevements)\b"),
    (_L, 2, r"\b(?:par|chaque|tous\s+les)\s+mois\b|\bmensualites?\b|\bmensuellement\b|\bpar\s+mensualite"),
    (_L, 1, r"\bdelais?\s+(?:de\s+paiement|supplementaire)\b"),
    # Not a sum worked out: "2 x 120 EUR = 240 EUR".
    (_L, 3, r"\b\d{1,2}\s*(?:x|fois|×)\s*\d(?![\d\s.,']*(?:€|eur\w*|£|\$|chf|gbp|usd)?\s*=)|\b(?:" + _NUMBER_WORD
            + r")\s+(?:versements|mensualites|echeances|"
            r"paiements|prelevements|instal?lments|monthly\s+payments|payments\s+of)\b"),
    (_L, 1, r"\b(?:je\s+vous\s+propose|nous\s+vous\s+proposons|(?:i|we)\s+(?:propose|suggest|offer|could\s+offer))\b"),
    (_L, 3, r"\b(?:payment\s+plan|instal?lments?|spread\s+(?:the\s+)?(?:payment|cost|balance|amount|it)|split\s+"
            r"(?:the\s+)?(?:payment|balance|it|this|amount|bill)|pay\s+in\s+(?:parts|instal?lments|stages)|monthly\s+"
            r"(?:payments?|instal?lments?)|payment\s+(?:arrangement|schedule)|repayment\s+plan)\b"),
    # "rates": installments to whoever says "Raten" or "rate" at home.
    (_L, 3, r"\bin\s+(?:" + _NUMBER_WORD + r")\s+(?:(?:weekly|monthly|fortnightly|equal)\s+)?(?:instal?lments|payments|"
            r"parts|tranches|rates|lots|chunks|goes|bits|stages|batches)\b"),
    # A sum now or at a date, and the rest later: "500 € maintenant et le solde de 740 € fin décembre" (not a share
    # already paid: "j'ai payé 300 € hier et le reste suivra"); or one of the numbered schedules we offered,
    # chosen: "Option 2 svp".
    (_L, 3, r"\b(?:\d[\d.,']*\s?(?:€|eur\w*|chf|gbp|usd|francs?)|(?<=[£$€])\d[\d.,']*|(?<=[£$€]\s)\d[\d.,']*|"
              r"maintenant|now|today|aujourd'hui|tout\s+de\s+suite|right\s+away|une\s+partie|la\s+moitie|"
              r"part\s+of\s+it|half)"
              r"(?![^.;!?\n]{0,20}\b(?:hier|yesterday|deja|already)\b)[^.;!?\n]{0,60}?"
              r"\b(?:et|and|puis|then|pis)\s+(?:le|la|les|the|l')\s*(?:solde|reste|rest|balance|remainder|remaining|"
              r"\d[\d.,']*\s?(?:€|eur\w*|£|\$|chf)?\s*restants?)\b|"
              r"\boption\s+(?:n[°o]\s*)?(?:\d{1,2}|deux|trois|two|three)\b"),
    # A number of payments asked for as such: "would you accept three payments?", "accepter trois versements".
    (_L, 3, r"\b(?:accept|take|agree\s+to|allow|do|accepter|accepteriez|faire)\s+(?:" + _NUMBER_WORD
            + r")\s+(?:separate\s+|monthly\s+)?(?:payments|instal?lments|versements|paiements)\b"),
    (_L, 2, r"\b(?:can't|cannot|can\s+not|unable\s+to|not\s+able\s+to)\s+pay\s+(?:it\s+|this\s+|the\s+\w+\s+)?"
            r"(?:all\s+)?(?:at\s+once|in\s+one\s+go|in\s+(?:a\s+)?(?:single|lump)\s+(?:sum|payment))\b|"
            r"\b(?:pas|impossible\s+de)\s+(?:tout\s+)?(?:payer|regler)\s+(?:tout\s+|la\s+totalite\s+)?"
            r"(?:en\s+une\s+(?:seule\s+)?fois|d'un\s+(?:seul\s+)?coup)\b", _NEG),
    # After a sum or a verb of paying: "automated rubbish every week" is no rhythm of payment.
    (_L, 2, r"(?:\b\d[\d,.]*\s?(?:€|eur|euros|£|\$|gbp|usd|pounds|dollars)?|\bpay(?:ing)?(?:\s+(?:it|this|you))?)\s+"
            r"(?:a|per|each|every)\s+(?:month|week)\b|\b\d{1,2}(?:st|nd|rd|th)?\s+of\s+(?:each|every)\s+month\b|"
            r"\bpar\s+semaine\b|\bpay\s+(?:it\s+|this\s+)?(?:off\s+)?"
            r"(?:monthly|weekly)\b"),
    # Against what was agreed only: "the reference doesn't match anything" is a question, not a dispute.
    (_D, 2.5, r"\b(?:doesn't|does\s+not|don't|do\s+not)\s+match\s+(?:the|our|your)\s+(?:quote|quotation|estimate|"
              r"order|purchase\s+order|contract|agreed)", _NEG),
    (_L, 3, r"\bspread\b|\b(?:over|across)\s+(?:the\s+)?(?:next\s+|coming\s+|following\s+)?(?:" + _NUMBER_WORD
            + r")\s+(?:months|weeks)\b|\bsur\s+(?:les\s+)?(?:" + _NUMBER_WORD + r")\s+(?:prochains\s+)?mois\b|"
            r"\b(?:half|\d{1,2}\s?%|a\s+third)\s+now\b|\b(?:the\s+)?(?:remaining|other)\s+(?:\d{1,2}\s?%|half)|"
            r"\bla\s+moitie\s+(?:maintenant|tout\s+de\s+suite|ce\s+mois)"),
    (_L, 2.5, r"\bevery\s+(?:two|2|three|3|other|few)\s+(?:weeks|months)\b|\b(?:fortnightly|bi-?weekly|bi-?monthly)\b|"
              r"\btous\s+les\s+(?:quinze|15)\s+jours\b|\btoutes\s+les\s+(?:deux|2)\s+semaines\b|\bpar\s+quinzaine\b"),
    # ---- wrong contact
    (_W, 3, r"\b(?:mauvaise?|erreur\s+de)\s+(?:adresse|destinataire|interlocut\w+|personne|contact|service|societe|"
            r"entreprise)\b"),
    (_W, 3, r"\bpas\s+(?:le\s+bon|la\s+bonne)\s+(?:interlocut\w+|contact|destinataire|personne|adresse|service)\b",
     _NEG),
    (_W, 3, r"\bne\s+(?:suis|sommes|travaille|travaillons|fait|fais|m'occupe|s'occupe|gere|gerons)\s+plus\b|"
            r"\ba\s+quitte\b|\bont\s+quitte\b|\bne\s+fait\s+plus\s+partie\b|\bn'(?:est|etait)\s+plus\s+(?:chez|dans|"
            r"en\s+charge|responsable|salariee?|employee?|a\s+ce\s+poste|notre|mon|ma|au\s+sein)\b", _NEG),
    (_W, 3, r"\bne\s+(?:suis|sommes)\s+pas\s+(?:en\s+charge|concernee?s?|responsables?)\b|\bne\s+m'occupe\s+pas\b|"
            r"\bpas\s+(?:mon|de\s+mon)\s+ressort\b", _NEG),
    (_W, 3, r"\b(?:merci\s+d'|merci\s+de|veuillez|pourriez-vous|pouvez-vous|priere\s+d'|priere\s+de)\s*(?:bien\s+"
            r"vouloir\s+)?(?:leur\s+|lui\s+|nous\s+)?(?:contacter|vous\s+adresser|adresser|ecrire|envoyer|transmettre|"
            r"renvoyer|rediriger|utiliser|voir\s+(?:directement\s+)?avec)\b[^;!?\n]{0,100}@"),
    (_W, 1.5, r"\b(?:merci\s+d'|merci\s+de|veuillez|priere\s+de)\s*(?:bien\s+vouloir\s+)?(?:contacter|vous\s+"
              r"adresser\s+a|rediriger)\b"),
    (_W, 2, r"\b(?:adress\w*|contact\w*|ecri\w*|joignable|joindre|envoy\w*|send|write|email|reach\w*|forward)\b"
            r"[^\n]{0,100}?[\w.+-]+@[\w-]+\."),
    (_W, 3, r"\b(?:jamais\s+ete\s+client|never\s+been\s+(?:a\s+)?(?:customer|client)|tromper?\s+d'adresse|"
            r"tromp\w*\s+de\s+(?:destinataire|personne|client)|homonymes?|n'est\s+plus\s+moi|plus\s+moi\s+qu'il\s+faut|"
            r"repreneur|(?:vendu|cede)\s+(?:la|le|mon|ma|notre|l')\s*\w+|sold\s+the\s+(?:business|company|shop))\b",
     _NEG),
    (_W, 1.5, r"\b(?:externalisee?s?|outsourced|confiee?\s+a\s+(?:un|notre)\s+cabinet)\b"),
    # Not a delivery or postal address: "avec la bonne adresse de livraison" asks for a new invoice.
    (_W, 2.5, r"\b(?:nouvelle|nouvel|bonne)\s+adresse\b(?!\s+(?:de\s+livraison|postale))|\bdesormais\b[^.;!?\n]{0,40}@|"
              r"\ba\s+l'avenir\b[^.;!?\n]{0,60}@"),
    (_W, 1, r"\b(?:je\s+(?:lui\s+|leur\s+)?transmets|j'ai\s+transmis|je\s+transfere|j'ai\s+transfere|"
            r"(?:i'll|i\s+will)\s+(?:let\s+(?:him|her|them)\s+know|pass\s+(?:it|this|your\s+\w+)\s+on))\b"),
    # Someone else has the job now: "Rachel Kim took over the practice accounts", "a repris mes dossiers".
    (_W, 3, r"\b(?:took|has\s+taken|have\s+taken|is\s+taking|'s\s+taken)\s+over\s+(?:from\s+me\b|"
            r"(?:the|my|our|his|her)\s+(?:\w+\s+)?(?:accounts|accounting|bookkeeping|finances?|role|position|job|"
            r"invoices|payables|files|portfolio)\b)|"
            r"\b(?:a|ont)\s+repris\s+(?:mes|ses|le|la)\s+(?:dossiers|fonctions|poste|comptabilite)\b"),
    # The firm changed hands, or the person retired: "was acquired by", "est à la retraite".
    (_W, 3, r"\b(?:was|were|has\s+been|have\s+been|had\s+been)\s+(?:acquired|taken\s+over|bought\s+out|"
            r"absorbed|bought\s+by)\b|\b(?:a|ont|avons)\s+ete\s+(?:rachetee?s?|reprise?s?|absorbee?s?)\b|"
            r"\b(?:has|have|had)\s+(?:now\s+)?(?:retired|stepped\s+(?:back|down)|passed\s+away|died)\b|"
            r"\b(?:est|sont)\s+(?:partie?s?\s+)?(?:a\s+la|en)\s+retraite\b|\bpris\s+sa\s+retraite\b|"
            r"\bis\s+(?:now\s+)?retired\b|\b(?:est|sont)\s+decedee?s?\b"),
    (_W, 2, r"\b(?:is|are)\s+(?:now\s+)?(?:running|managing)\s+(?:the|our)\s+(?:business|company|studio|shop|firm|"
            r"office|practice|club|association)\b|\bqui\s+(?:gere|dirige|s'occupe\s+de\s+tout)\s+(?:maintenant|"
            r"desormais)\b"),
    (_W, 2.5, r"\b(?:correspondence|invoices?|reminders?|e-?mails?|statements?|courriers?|courriels?|relances?|"
              r"rappels?|factures?)\b"
              r"[^.;!?\n]{0,30}?\b(?:should|must|need\s+to)\s+(?:now\s+)?(?:go|be\s+(?:sent|addressed|directed))"
              r"\s+to\b|"
              r"\b(?:doivent|doit)\s+(?:desormais\s+|maintenant\s+)?(?:etre\s+)?(?:adressee?s?|envoyee?s?)\s+a\b"),
    (_W, 3, r"\bwrong\s+(?:person|address|contact|recipient|email|company|department)\b|\bnot\s+the\s+(?:right|correct)"
            r"\s+(?:person|contact|address|department|recipient)\b", _NEG),
    (_W, 3, r"\bplease\s+use\b[^.;!?\n]{0,60}@|\bformer\s+(?:employee|colleague|member\s+of\s+staff)\b|"
            r"\banciens?n?e?\s+(?:salariee?|collaborat\w+|employee?|comptable|gerante?|president|presidente|"
            r"directeur|directrice|dirigeante?)\b|\bformer\s+(?:director|owner|manager|partner)\b"),
    (_W, 3, r"\bno\s+longer\s+(?:works?|working|with|at|employed|responsible|handles?|deals?|in\s+charge|part\s+of)\b|"
            r"\b(?:has|have)\s+left\s+(?:the|our)\s+(?:company|firm|business|organi[sz]ation)\b|\bleft\s+the\s+company\b",
     _NEG),
    (_W, 3, r"\bplease\s+(?:contact|write\s+to|email|send|address|redirect|direct|forward)\b[^.;!?\n]{0,100}@"),
    # Someone else now answers for the debt: a liquidator, the executors of an estate.
    (_W, 3, r"\b(?:liquidation|redressement)\s+judiciaire\b|\b(?:liquidateur|mandataire\s+judiciaire|"
            r"administrateur\s+judiciaire|liquidators?|administrators|receivers?|insolvency\s+practitioner)\b|"
            r"\b(?:in|into|entered)\s+(?:liquidation|administration|receivership)\b|"
            r"\bdeclarer\s+(?:votre|vos)\s+creances?\b|\bplus\s+qualite\s+pour\b"),
    (_W, 3, r"\bpassed\s+away\b|\bdeceased\b|\bexecutors?\b|\bprobate\b|\bestate\s+of\b|\bdecedee?\b|"
            r"\b(?:notaire|notary)\s+(?:charge|in\s+charge)\b|\bsuccession\s+de\b"),
    # A private mailbox written to, or the invoices handled elsewhere, with the address to use.
    (_W, 2.5, r"\b(?:boite|adresse|messagerie|mail)\s+(?:perso|personnelle)\b|\bpersonal\s+(?:e-?mail|address|"
              r"account|inbox|mailbox)\b|\b(?:gere\w*|traite\w*|handled|dealt\s+with|managed|processed)\s+"
              r"(?:exclusivement\s+|uniquement\s+|only\s+|solely\s+|centrally\s+)?(?:par|by)\b[^\n]{0,80}@"),
    (_W, 2.5, r"\bplease\s+(?:contact|write\s+to|email)\s+(?:our|the)\s+(?:accounts?\s+payable|finance|accounting|"
              r"accounts)\b"),
    (_W, 2, r"\b(?:correct|right|new|proper)\s+(?:contact|address|email|person)\b"),
    (_W, 2.5, r"\b(?:i\s+am|i'm)\s+not\s+(?:responsible|in\s+charge|the\s+(?:right|correct))\b|\b(?:don't|do\s+not)\s+"
              r"(?:handle|deal\s+with)\b", _NEG),
    # ---- other: paperwork asked for, which is neither a promise nor a dispute of the debt
    (_O, 3, r"\b(?:refaire|reediter|etablir|modifier|emettre)\s+(?:la|cette|votre|une|notre)\s+facture\s+"
            r"(?:[\w/-]*\d[\w/-]*\s+)?(?:au\s+nom|a\s+l'ordre|a\s+l'adresse)\b|"
            r"\binvoice\s+(?:in\s+the\s+name\s+of|made\s+out\s+to)\b|"
            r"\b(?:reissue|re-issue|readdress|re-address)\s+(?:the\s+|this\s+|it\s+)?(?:invoice\s+)?to\b"),
    # The purchase order's number wanted on the invoice (the order exists, only the paperwork lacks it), a copy
    # of the invoice asked for, a look promised before any commitment ("I'm looking into it").
    (_O, 2, r"\b(?:po|purchase\s+order|bon\s+de\s+commande)\s+(?:number|no\.?|n[°o]\.?|numero|ref\w*|#)?\s*:?\s*"
            r"\d{3,}|"
            r"\b(?:looking|look)\s+(?:into|at)\s+(?:it|this|that)\b|\b(?:come|get)\s+back\s+to\s+you\b|"
            r"\b(?:je|nous)\s+(?:reviens|revenons|reviendrai|reviendrons)\s+vers\s+vous\b|"
            r"\b(?:copies?|duplicatas?|copy)\s+(?:de\s+(?:la\s+|cette\s+|votre\s+|vos\s+|ces\s+|des\s+)?|d'|"
            r"of\s+(?:the\s+|this\s+|your\s+|both\s+|all\s+|these\s+)?)(?:factures?|invoices?)\b|"
            r"\b(?:me|nous|moi)\s+(?:renvoyer|re-?envoyer|retransmettre)\s+(?:la|cette|votre)\s+facture\b|"
            r"\b(?:resend|re-send)\s+(?:me\s+|us\s+)?(?:the|this|that|your)\s+invoice\b|"
            r"\bsend\s+(?:me\s+|us\s+)?(?:the|this|that|your)\s+invoice\s+again\b"),
    (_O, 2, r"\b(?:with|add|missing|lacks?|quote|include)\s+(?:our|the|a)\s+(?:po|purchase\s+order)\s+"
            r"(?:number|no\.?|#)"),
    # Payment held for paperwork: "payment will be processed upon receipt of the above".
    (_O, 3, r"\b(?:upon|on|after)\s+receipt\s+of\s+(?:the\s+)?(?:\w+\s+)?(?:above|following|documents?|forms?|"
            r"certificates?)\b|\bdes\s+reception\s+des\s+(?:documents|pieces|justificatifs)\b"),
    (_O, 2, r"\b(?:w-?9|w-?8\s?ben(?:-e)?|kbis|attestation\s+(?:de\s+vigilance|urssaf|d'assurance)|"
            r"certificate\s+of\s+insurance|tax\s+(?:form|residency\s+certificate)|"
            r"vendor\s+(?:form|setup|registration))\b"),
    # ---- general families (blind set 2): the problem said through the goods or the work, the tax, the contract
    (_D, 2.5, r"\bmal\s+(?:posee?s?|faite?s?|installee?s?|montee?s?|realisee?s?|finie?s?|executee?s?|peinte?s?|"
              r"reparee?s?|livree?s?)\b|\b(?:se\s+decoll\w*|fissuree?s?|rayee?s?|tachee?s?|decoloree?s?|delavee?s?|"
              r"gondol\w*|moisi\w*|rouillee?s?|dechiree?s?|pas\s+repris\w*|a\s+(?:refaire|reprendre))\b"),
    (_D, 2.5, r"\b(?:faded|peeling|cracked|cracking|leaking|leaks|scratched|stained|dented|warped|blurry|misprinted|"
              r"smudged|torn|chipped|shrunk|stopped\s+working|(?:doesn't|does\s+not|don't|do\s+not|isn't|is\s+not)\s+"
              r"work(?:ing)?|wrong\s+(?:colou?r|size|item|items|model|goods|product|finish|material|fabric|version|"
              r"spec\w*))\b"),
    (_D, 2.5, r"\bnot\s+(?:the\s+)?(?:\w+\s+){0,3}(?:we|i)\s+(?:ordered|agreed|paid\s+for|were\s+promised)\b|"
              r"\bpas\s+(?:ce\s+que|la\s+\w+\s+que)\s+(?:nous\s+avions|j'avais|nous\s+avons|j'ai)\s+(?:commande|demande)"),
    # Extras never agreed: "we never signed off on a change order", "the overage is not payable".
    (_D, 3, r"\bnever\s+(?:signed\s+off|approved|authori[sz]ed|signed|accepted)\b|\b(?:is|are|isn't|aren't)\s+"
            r"(?:not\s+)?payable\b|\bunapproved\b|"
            r"\b(?:travaux|prestations?)\s+supplementaires?\s+(?:non|jamais|pas)\b", _NEG),
    # Named alone, an extra is only a hint: "we'll pay the change order Friday" is a promise.
    (_D, 1.5, r"\bchange\s+order\b|\boverage\b|\bavenant\b"),
    # The tax treatment contested: "la TVA française alors que l'autoliquidation aurait dû s'appliquer".
    (_D, 2.5, r"\b(?:aurait|auraient)\s+du\s+(?:s'appliquer|etre\s+(?:appliquee?s?|facturee?s?|deduite?s?|exoneree?s?|"
              r"deduite?s?))\b|\bshould\s+(?:have|not\s+have)\s+been\s+(?:charged|invoiced|billed|applied|"
              r"zero[\s-]rated|exempt)\b|\b(?:autoliquidation|reverse[\s-]charge|zero[\s-]rated|vat[\s-]exempt|"
              r"exonere\w*\s+de\s+tva)\b"),
    (_D, 1.5, r"\bnote\s+de\s+credit\b|\bne\s+(?:pouvons|peux|pourrons)\s+pas\s+(?:comptabiliser|enregistrer|"
              r"traiter)\b", _NEG),
    # A contract ended before the invoice: "contrat résilié par courriel le 14 septembre".
    (_D, 3, r"\b(?:contrat|abonnement|contract|subscription|agreement)\b[^.;!?\n]{0,40}?\b(?:resilie|rompu|termine|"
            r"terminated|cancell?ed|ended)e?s?\b|\bn'a\s+(?:donc\s+)?(?:pas|aucunement)\s+lieu\s+d'etre\b|"
            r"\bsans\s+objet\b|\b(?:isn't|is\s+not|not)\s+(?:actually\s+)?(?:due|owed)\b", _NEG),
    (_D, 3, r"\b(?:billed|charged|invoiced)\s+(?:us\s+|me\s+)?again\b|\bfactur\w*\s+(?:a\s+nouveau|une\s+seconde\s+fois)"),
    (_D, 2, r"\b(?:please\s+)?cancel\s+(?:it|this\s+one|that\s+one)\b|\bannuler\s+celle-ci\b"),
    # The work or order called off before the invoice, said in the passive: "la prestation a été annulée".
    (_D, 3, r"\b(?:commande|prestation|intervention|reservation|seance|visite|order|booking|job|service|visit|"
            r"session)s?\s+(?:a|avait|ont|avaient|was|were|had|has|have)\s+(?:ete|been)\s+(?:annulee?s?|cancell?ed)\b"),
    # No purchase order behind the invoice: a public buyer or a firm's procurement cannot pay it.
    (_D, 3, r"\b(?:aucun|sans|pas\s+de)\s+(?:devis\s+ni\s+)?bon\s+de\s+commande\b|\b(?:no|without\s+a|without)\s+"
            r"(?:valid\s+)?(?:purchase\s+order|po)\b(?!\s+(?:number|no\b|ref))", _NEG),
    (_D, 2.5, r"\bne\s+(?:peut|peuvent|pourra|pourront|pouvons|pourrons)\s+pas\s+(?:etre\s+)?(?:mise?s?\s+en\s+"
              r"paiement|la\s+mettre\s+en\s+paiement|honoree?s?)\b", _NEG),
    # A plan asked for invoice by invoice: "la première réglée fin décembre et la seconde fin janvier".
    (_L, 2, r"\b(?:la\s+premiere|le\s+premier|the\s+first(?:\s+one)?)\b[^.;!?]{0,80}\b(?:la\s+(?:seconde|deuxieme)|"
            r"le\s+(?:second|deuxieme)|the\s+second|the\s+other|le\s+reste|the\s+rest)\b"),
    (_L, 1, r"\b(?:pourriez-vous|pouvez-vous|accepteriez-vous|would\s+you|could\s+you)\s+(?:accepter|accept|agree|"
            r"consider|allow)\b"),
    # A payment brought by hand: "je passe vous déposer un chèque à l'atelier le 22/12".
    (_P, 2, r"\b(?:je|nous|on)\s+(?:passe|passerai|passons|viens|viendrai|vais|allons)\s+(?:vous\s+)?(?:deposer|"
            r"apporter|porter|remettre|donner|poster)\s+(?:le|un|les|mon|notre|ce|votre)\s+(?:cheque|reglement|"
            r"paiement|especes|liquide)"),
    # Paid when the wages come in: "I'll sort the £185 Friday when I get paid".
    (_P, 1.5, r"\bwhen\s+i\s+get\s+paid\b|\b(?:on|after|once)\s+(?:my\s+|our\s+)?pay\s?day\b|"
              r"\bquand\s+(?:je\s+)?(?:toucherai|touche|serai\s+payee?|recevrai\s+(?:ma\s+paie|mon\s+salaire))\b|"
              r"\bc'?(?:est\s+)?\s*promis\b"),
    # A transfer advice, as banks name it: "l'avis d'opéré relatif à la facture".
    (_A, 2.5, r"\bavis\s+(?:d'opere|de\s+(?:debit|virement|paiement|reglement|execution))\b|"
              r"\bremittance\b[^.;!?\n]{0,30}?\b(?:advice|advise)\b|\bpayment\s+run\b[^.;!?\n]{0,40}?\bexecuted\b"),
    # ---- wrong contact: the relationship denied, the person gone, the bills handled by someone else
    (_W, 3, r"\b(?:confond\w*|confuse\w*|mixed\s+(?:us\s+|me\s+)?up)\s+(?:\w+\s+)?(?:avec|with)\b|"
            r"\bune?\s+autre\s+(?:personne|mme|m\.|madame|monsieur|societe|entreprise)\b|\bjamais\s+(?:fait\s+appel\s+a|"
            r"travaille\s+avec|commande\s+(?:quoi\s+que\s+ce\s+soit|rien))|\bnever\s+(?:ordered\s+anything|dealt\s+with|"
            r"done\s+business|worked\s+with|used\s+your)\b|\b(?:have|got)\s+the\s+wrong\s+\w+|"
            r"\bmettre\s+a\s+jour\s+vos\s+(?:coordonnees|fichiers?|donnees)\b|\bjamais\s+eu\s+de\s+relations?\s+"
            r"(?:commerciales?\s+)?avec\b|"
            r"\b(?:faites|avez\s+fait)\s+(?:une\s+)?erreur\s+(?:d'adresse|de\s+destinataire)\b",
            _NEG),
    (_W, 3, r"\bvous\s+(?:vous\s+)?trompe[zs]?\s+de\s+(?:societe|personne|destinataire|entreprise|client|adresse)\b|"
            r"\b(?:wrong|different)\s+(?:company|business|firm|person|recipient|addressee)\b"),
    (_W, 3, r"\b(?:\w+\s+)?retired\b|\b(?:partie?|parti)\s+(?:a\s+la|en)\s+retraite\b|\bnew\s+(?:owners?|management)\b|"
            r"\bnouveaux?\s+(?:proprietaires?|gerants?|dirigeants?|repreneurs?)\b"),
    (_W, 2.5, r"\b(?:bookkeeper|accountant|accounts\s+(?:payable|department|team)|finance\s+(?:team|department)|"
              r"comptable|service\s+(?:comptable|des\s+creanciers|fournisseurs)|fiduciaire)\s+(?:handles|deals\s+with|"
              r"takes\s+care\s+of|looks\s+after|manages|pays|does|gere|s'occupe|traite|est\s+seule?\s+competente?)\b|"
              r"\bseule?\s+competente?\b|"
              # whoever it is, when it is all of them: "Dr. Patel handles all billing himself"
              r"\b(?:handles|deals\s+with|takes\s+care\s+of|looks\s+after|s'occupe\s+de|gere)\s+(?:all\s+(?:the\s+|"
              r"our\s+|my\s+)?|toute\s+(?:la|ma|notre)\s+|(?:tous|toutes)\s+(?:les|mes|nos)\s+)(?:billing|bills|"
              r"invoices|invoicing|payments|facturation|factures|paiements|reglements)\b"),
    (_W, 1.5, r"\bupdate\s+(?:your|the)\s+(?:records|files|database|contact\s+details|mailing\s+list)\b"),
    (_W, 2.5, r"\b(?:bills|invoices|factures|paperwork|relances|courriers)\s+(?:all\s+)?(?:go|goes|vont|passent|"
              r"partent|are\s+(?:sent|handled)|get\s+sent)\s+(?:(?:straight|directly|directement|toutes)\s+)?"
              r"(?:to|a|au|chez|par)\s+"
              r"(?:our|my|the|notre|mon|ma|le|la|l')\s*(?:bookkeeper|accountant|accounts|finance|head\s+office|"
              r"comptable|expert-comptable|cabinet|siege|service\s+comptab\w*)\b"),
    (_W, 2.5, r"\b(?:adresser|envoyer|transmettre|rediriger|send|address|direct|forward)\s+(?:vos|les|your|all|any|"
              r"future|this|it|these|them)\s+(?:(?:rappels|relances|factures|courriers|correspondances?|reminders|"
              r"invoices|statements|correspondence)\s+)?(?:directement\s+|directly\s+|instead\s+)?(?:a|au|aux|to)\s+"
              r"(?!us\b|me\b|nous\b|moi\b)"),
    (_W, 1.5, r"\b(?:don't|do\s+not|no\s+longer)\s+have\s+(?:access\b|(?:his|her|their)\s+(?:e-?mail|address|"
              r"contact|details|number))|\bnot\s+sure\s+who\s+(?:handles|deals|looks\s+after)\b"),
    # ---- other: what says nothing of the debt — thanks, an acknowledgement, a question of method
    (_O, 1.5, r"\b(?:bien\s+recu|bien\s+note|c'est\s+note|noted|well\s+received|received\s+with\s+thanks|"
              r"thanks\s+for\s+(?:the|your)\s+(?:reminder|heads[\s-]up|message|email|note))\b"),
    (_O, 2.5, r"\b(?:est-ce\s+que\s+(?:je|nous|on)\s+(?:peux|peut|pouvons)|puis-je|pouvons-nous|can\s+(?:i|we)|"
              r"could\s+(?:i|we)|may\s+(?:i|we))\s+(?:vous\s+)?(?:payer|regler|pay)\s+(?:(?:it|this|you)\s+)?"
              r"(?:par|en|via|by|with|using|avec)\b"),
    # A deferral to a season, its sentence naming no day: "we'll sort this out after New Year", "on verra après
    # les fêtes" (but "at 7 January, after the holidays of the company" is dated).
    (_O, 2, r"\b(?:after|apres|once)\s+(?:the\s+|les\s+|le\s+)?(?:new\s+year|holidays|christmas|xmas|fetes|"
            r"nouvel\s+an|vacances|rentree)\b" + _NO_DAY_AFTER + r"|\b(?:in\s+the\s+new\s+year|a\s+la\s+rentree)\b"
            + _NO_DAY_AFTER),
    # Paid when the writer's own client pays: "on vous paiera quand on sera payé", "we'll pay when we're paid".
    (_O, 3, _WHEN_WE_ARE_PAID),
    # Paid some day, undated: "je vous paierai quand je pourrai", "I'll pay when I can".
    (_O, 3, r"\b(?:quand|lorsque)\s+je\s+(?:le\s+)?(?:pourrai|pourrais)\b" + _NO_DAY_AFTER
            + r"|\bwhen\s+(?:i|we)\s+(?:can|am\s+able|are\s+able)\b" + _NO_DAY_AFTER),
    (_O, 2.5, r"\bavant\s+tout\s+(?:reglement|paiement|virement)\b"),
    # The writer's own client not paying them ("our client hasn't paid us yet"), or an earlier question left
    # unanswered ("I asked a simple question and got nothing back").
    (_O, 2.5, r"\b(?:client|customer|promoteur|maitre\s+d'ouvrage)s?\s+(?:hasn't|has\s+not|haven't|have\s+not|"
              r"(?:ne\s+)?(?:nous\s+)?n?'?a\s+(?:toujours\s+)?pas|still\s+hasn't)\s+(?:yet\s+)?(?:paid|settled|"
              r"payee?s?|reglee?s?)\b|"
              r"\b(?:asked|posed)\s+(?:you\s+)?a\s+(?:simple\s+|quick\s+)?question\b|\bgot\s+nothing\s+back\b|"
              r"\bsans\s+reponse\b|\bpose\s+une\s+question\b", _NEG),
    # The bank details checked before paying, against a fraud: "avez-vous changé de banque ?".
    (_O, 2.5, r"\b(?:il\s+me\s+faut|il\s+nous\s+faut|besoin\s+d'|m'envoyer|nous\s+envoyer|send\s+(?:me|us))\s+"
              r"(?:un|votre|vos|le|your|a)\s+(?:rib|iban|releve\s+d'identite\s+bancaire|coordonnees\s+bancaires|"
              r"bank\s+details)\b|"
              r"\b(?:change|changed|changement)\s+(?:de\s+banque|d'iban|de\s+rib|(?:your\s+|of\s+)?bank"
              r"(?:\s+details)?)\b|"
              r"\b(?:confirm\w*|verifi\w*|verify)\s+(?:nous\s+)?(?:vos|your|les|the)\s+(?:coordonnees\s+bancaires|"
              r"bank\s+details|iban|rib|account\s+details)\b"),
    (_O, 2, r"\bbefore\s+we\s+can\s+(?:release|pay|process|make)\b|\bonce\s+you(?:'re|\s+are)\s+(?:set\s+up|registered|"
            r"onboarded)\b|\bavant\s+de\s+pouvoir\s+(?:payer|regler|proceder)\b", _NEG),
]
RULES: tuple[Rule, ...] = tuple(
    Rule(line[0], line[1], WordRegex(line[2]), line[3] if len(line) > 3 else True)  # type: ignore[misc]
    for line in _TABLE)

# Stronger rules claim their words first, so a weak rule on the same words adds nothing.
_STRONGEST_FIRST = sorted(RULES, key=lambda rule: -rule.weight)

# Negation in the words just before a match, within its clause.
_CLAUSE_BREAK = re.compile(r"[.,;!?\n]|\b(?:mais|but|et|and)\b")
# A doubt counts as a negation: "I thought I had paid" is no claim of payment.
# So does a condition: "before we can pay a new vendor", "avant de régler" promise nothing.
_NEGATION = re.compile(r"\b(?:ne|n'|pas|jamais|aucun|aucune|not|never|cannot|no\s+longer|thought|pensais|croyais|"
                       r"believed|assumed|supposed|semblait|before|(?<!at\s)once(?!\s+(?:again|more))|avant\s+de|"
                       r"avant\s+d')\b|n't\b")
# A payment only supposed is not claimed: "ma femme pense qu'on l'a peut-être déjà payée". (Said of a plan or a
# promise, the same words are politeness: "could I possibly spread it?")
_DOUBT = re.compile(r"\b(?:pense|pensent|peut-etre|maybe|perhaps|possibly|probably|probablement)\b")
_NEGATION_AFTER = re.compile(r"^\s*(?:pas|jamais|plus|point|rien)\b")
# Spoken French drops the "ne": "je paye pas", "je conteste pas".
_DROPPED_NE_AFTER = re.compile(r"^\s*(?:pas|jamais)\b")
# Installments others pay are the writer's cash-flow story, not a plan asked for: "nos élèves règlent leurs
# forfaits en plusieurs fois", "our tenants pay us monthly".
_OTHERS_PAYING = re.compile(r"\b(?:ils|elles|they|(?:nos|our|mes|my)\s+(?:clients|customers|eleves|students|adherents|"
                            r"members|tenants|locataires|patients))\s+(?:\w+\s+)?(?:paient|payent|reglent|versent|"
                            r"pay|settle)\b")
# A promise whose sentence waits on the writer's own client, or on "them", promises nothing yet:
# "we'll pay you when we're paid", "as soon as they do, we'll pay you".
_PAID_FIRST = re.compile(_WHEN_WE_ARE_PAID + r"|\b(?:as\s+soon\s+as|once|when)\s+they\s+do\b")
# A payment asked about is no payment claimed: "Have I paid? No, not yet." (A promise asked about,
# "Je vous règle 3 x 400 € ?", is still an offer to pay.)
_SENTENCE_END = re.compile(r"[.!?\n]")
_ASKABLE = frozenset({_A})
_QUESTION_FACTOR = 0.5
# Under this score nothing was said: one weak word ("paiement") is no promise without a date.
_DECISIVE = 1.0
# Confidence grows with the score: a lone weak cue (2) stays under the 0.5 that acts, a strong one (3)
# just over it, a cue with a date or a second phrase agreeing (3.5 and up) over 0.6.
_SCALE = 3.5

# When two intents score alike, the one that needs the owner (or stops reminders) wins.
PRIORITY: tuple[Intent, ...] = (_D, _W, _L, _A, _P, _O)


@dataclass(frozen=True, slots=True)
class Evidence:
    intent: Intent
    weight: float
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Verdict:
    intent: Intent
    confidence: float
    evidence: tuple[Evidence, ...]


def _negated(folded: str, start: int, end: int) -> bool:
    clause = _CLAUSE_BREAK.split(folded[max(0, start - 30):start])[-1]
    if _NEGATION.search(clause):
        return True
    # "je ne conteste pas": the negation brackets the verb.
    after = folded[end:end + 12]
    return bool(re.search(r"\b(?:ne|n')\s*$", clause) and _NEGATION_AFTER.match(after)) or bool(
        _DROPPED_NE_AFTER.match(after))


def _doubted(folded: str, start: int) -> bool:
    return bool(_DOUBT.search(_CLAUSE_BREAK.split(folded[max(0, start - 30):start])[-1]))


def _told_of_others(folded: str, start: int) -> bool:
    return bool(_OTHERS_PAYING.search(_CLAUSE_BREAK.split(folded[max(0, start - 50):start])[-1]))


def _waits_on_being_paid(folded: str, start: int, end: int, days: Collection[int]) -> bool:
    begin = max(folded.rfind(mark, 0, start) for mark in ".!?\n") + 1
    stop = _SENTENCE_END.search(folded, end)
    finish = stop.start() if stop else len(folded)
    return not any(begin <= day < finish for day in days) and bool(_PAID_FIRST.search(folded, begin, finish))


def _asked(folded: str, end: int) -> bool:
    stop = _SENTENCE_END.search(folded, end)
    return stop is not None and stop.group() == "?"


def find_evidence(folded: str, days: Collection[int] = ()) -> list[Evidence]:
    """Every rule that holds in `folded` text, negated ones left out, a payment asked about at half its
    weight. `days` are where dates to come are written: a promise that waits on the writer being paid stands
    only with one of them in its sentence ("We will pay the €980 on December 15th once our client pays us")."""
    found: list[Evidence] = []
    for rule in _STRONGEST_FIRST:
        for m in rule.pattern.finditer(folded):
            if rule.negatable and _negated(folded, m.start(), m.end()):
                continue
            if rule.intent is _P and _waits_on_being_paid(folded, m.start(), m.end(), days):
                continue
            if rule.intent is _A and _doubted(folded, m.start()):
                continue
            if rule.intent is _L and _told_of_others(folded, m.start()):
                continue
            # Two rules reading the same words for the same intent are one piece of evidence, and a
            # weaker rule reading words a stronger one explained adds nothing ("virement" in
            # "virement effectué" is no promise).
            if any((e.intent is rule.intent and e.start < m.end() and m.start() < e.end)
                   or (e.weight > rule.weight and e.start <= m.start() and m.end() <= e.end) for e in found):
                continue
            weight = rule.weight
            if rule.intent in _ASKABLE and _asked(folded, m.end()):
                weight *= _QUESTION_FACTOR
            found.append(Evidence(rule.intent, weight, m.start(), m.end()))
            break  # one rule counts once: repeating a phrase is not more evidence
    return found


def decide(evidence: list[Evidence], *, bonuses: dict[Intent, float] | None = None) -> Verdict:
    """The intent the evidence weighs most for, and a confidence from its strength and agreement.

    `bonuses` carries what the rules alone cannot see: a future date makes a promise likelier,
    "3 x 400 €" a plan request.
    """
    scores: dict[Intent, float] = {}
    for item in evidence:
        scores[item.intent] = scores.get(item.intent, 0.0) + item.weight
    for intent, bonus in (bonuses or {}).items():
        if intent in scores:
            scores[intent] += bonus
    if not scores or max(scores.values()) < _DECISIVE:
        return Verdict(Intent.OTHER, 0.2, ())
    best = max(scores, key=lambda i: (scores[i], -PRIORITY.index(i)))
    top = scores[best]
    # A rival below the decisive score is a word in passing ("by bank transfer"), not a competing reading;
    # "other" wins only when nothing is said as strongly, and never dilutes a reading ("Noted, I'll pay Friday").
    rest = sum(score for intent, score in scores.items()
               if intent is not best and score >= _DECISIVE and intent is not Intent.OTHER)
    strength = 1 - math.exp(-top / _SCALE)
    agreement = top / (top + rest)
    confidence = round(min(0.97, strength * agreement), 2)
    return Verdict(best, confidence, tuple(e for e in evidence if e.intent is best))
