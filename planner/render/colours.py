"""The colours the plots share, so a drug is drawn alike in every panel."""

LINE_COLOUR = "#1f4e79"  # clonazePAM
OLD_DRUG_COLOUR = "#7f3f98"  # the drug a switch comes from, dashed
EARLIER_COLOUR = "#8a8a8a"  # a revised plan's earlier versions, dotted
WARNING_COLOUR = "#b22222"  # the protocol maximum; the levels' dip
