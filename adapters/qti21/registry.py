"""What the QTI 2.1 importer supports: the ONE registry that the item parser consults and the
seed-004 contentProfile (:mod:`adapters.qti21.profile`) is generated from, so the two cannot drift.
"""
from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class InteractionSpec:
    """How one interaction is read.

    ``choices``: local names of its choice elements, searched anywhere below the interaction (hottext and
    gap sit inside body markup). ``sources``/``targets`` split associable choices for the pair-valued
    interactions: match (first/second ``simpleMatchSet``), gapMatch (``gapText``/``gapImg`` -> ``gap``).
    ``xhtml``: the XHTML groups the interaction needs (seed 004, 5.1.1).
    """

    name: str
    choices: tuple[str, ...] = ()
    base_types: tuple[str, ...] = ()
    cardinalities: tuple[str, ...] = ()
    xhtml: tuple[str, ...] = ("textElements",)


_SPECS = (
    InteractionSpec("choiceInteraction", ("simpleChoice",), ("identifier",), ("single", "multiple")),
    InteractionSpec("orderInteraction", ("simpleChoice",), ("identifier",), ("ordered",)),
    InteractionSpec("inlineChoiceInteraction", ("inlineChoice",), ("identifier",), ("single",)),
    InteractionSpec("textEntryInteraction", (), ("string", "integer", "float"), ("single",)),
    # single only: several strings (maxStrings > 1) cannot be mapped in QTI 1.2 (no count of unmapped values)
    InteractionSpec("extendedTextInteraction", (), ("string", "integer", "float"), ("single",)),
    InteractionSpec("hottextInteraction", ("hottext",), ("identifier",), ("single", "multiple")),
    InteractionSpec("associateInteraction", ("simpleAssociableChoice",), ("pair",), ("single", "multiple")),
    InteractionSpec("matchInteraction", ("simpleAssociableChoice",), ("directedPair",), ("single", "multiple")),
    InteractionSpec("gapMatchInteraction", ("gapText", "gapImg", "gap"), ("directedPair",), ("single", "multiple")),
    InteractionSpec("hotspotInteraction", ("hotspotChoice",), ("identifier",), ("single", "multiple"),
                    ("objectElements",)),
    # single only: QTI 1.2 varinside cannot tie "each area once, first area per point" to one point of many
    InteractionSpec("selectPointInteraction", (), ("point",), ("single",), ("objectElements",)),
)

#: interaction local name -> spec. Anything else in an itemBody is "Unsupported functionality!".
INTERACTIONS = MappingProxyType({s.name: s for s in _SPECS})

#: Every interaction name of QTI 2.1 (to tell an unsupported interaction from plain body markup).
ALL_INTERACTIONS = frozenset({
    "choiceInteraction", "orderInteraction", "associateInteraction", "matchInteraction", "gapMatchInteraction",
    "inlineChoiceInteraction", "textEntryInteraction", "extendedTextInteraction", "hottextInteraction",
    "hotspotInteraction", "selectPointInteraction", "graphicOrderInteraction", "graphicAssociateInteraction",
    "graphicGapMatchInteraction", "positionObjectInteraction", "sliderInteraction", "mediaInteraction",
    "drawingInteraction", "uploadInteraction", "customInteraction", "endAttemptInteraction",
    "positionObjectStage",
})

_RP = "http://www.imsglobal.org/question/qti_v2p1/rptemplates/"
_RP_V2P0 = "http://www.imsglobal.org/question/qti_v2p0/rptemplates/"

#: canonical template URI -> template name. Rules are built in (:mod:`adapters.qti21.scoring`), never fetched.
TEMPLATES = MappingProxyType({
    _RP + "match_correct": "match_correct",
    _RP + "map_response": "map_response",
    _RP + "map_response_point": "map_response_point",
})


def template_name(uri: str) -> str | None:
    """The built-in template a ``responseProcessing@template`` names, or None.

    Recognised: the full imsglobal URI (2.1, and 2.0's whose rules are the same), with or without ``.xml``,
    and the short names real exports use (``match_correct``, ``rptemplates/map_response.xml``...).
    """
    name = uri.strip().rstrip("/")
    for suffix in (".xml",):
        name = name.removesuffix(suffix)
    for prefix in (_RP, _RP_V2P0, "rptemplates/"):
        if name.startswith(prefix):
            name = name[len(prefix):]
            break
    else:
        if "/" in name or ":" in name:
            return None
    return name if name in TEMPLATES.values() else None


#: The response-rule subset a custom responseProcessing may use (see :mod:`adapters.qti21.rules`): enough
#: for the usual hand-written "if match then SCORE := n" items, and exactly what converts to QTI 1.2.
RULE_ELEMENTS = frozenset({"responseCondition", "responseIf", "responseElseIf", "responseElse", "setOutcomeValue"})
EXPRESSION_ELEMENTS = frozenset({"match", "isNull", "and", "or", "not", "member", "variable", "correct", "baseValue",
                                 "sum", "multiple", "ordered"})

#: seed-004 contentProfile booleans, with what the parser does about each (True: carried/evaluated,
#: False: the item is refused with "Unsupported functionality!" when ``refused`` or dropped otherwise).
FEATURES = MappingProxyType({
    "composite": True,            # several interactions in one item (each becomes a QTI 1.2 response)
    "adaptive": False,            # refused: adaptive="true"
    "timeDependent": False,       # refused: timeDependent="true"
    "templates": False,           # refused: templateDeclaration / templateProcessing
    "textElements": True,
    "listElements": True,
    "objectElements": True,       # object@data must be in the package; carried as QTI 1.2 matimage/matref
    "presentationElements": True,
    "tableElements": True,
    "imageElement": True,
    "hypertextElement": True,
    "mathElement": False,         # MathML is dropped from the converted text
    "mathVariable": False,
    "feedbackIntegrated": False,  # feedbackInline/feedbackBlock are dropped (their outcomes ignored)
    "feedbackModal": False,       # modalFeedback dropped
    "rubric": False,              # rubricBlock dropped
    "printedVariables": False,
    "responseRules": False,       # only the rule subset above, not arbitrary rules
    "rounding": False,
    "regexp": False,              # patternMask is not enforced
})

#: Refused outright when the item uses them (the feature flag above is False and scoring depends on it).
REFUSED_ITEM_ELEMENTS = frozenset({"templateDeclaration", "templateProcessing", "customOperator"})

IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/svg+xml")
OBJECT_TYPES = IMAGE_TYPES

METADATA = MappingProxyType({"imsmd": False, "lomMetadata": False, "imsqtimd": False})
