# One unambiguous date format for every English reader ("1 Dec 2026", never "12/01/2026"),
# short and long alike, so a page cannot show the same day two ways.
DATE_FORMAT = "j M Y"
SHORT_DATE_FORMAT = DATE_FORMAT
DATETIME_FORMAT = "j M Y, H:i"
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
MONTH_DAY_FORMAT = "j M"
