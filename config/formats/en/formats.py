# English dates outside the United States ("1 Dec 2026", "1 Dec 2026, 18:41"): the United
# Kingdom, Ireland, Australia, Canada, … and an English reader whose country is not known.
# One format short and long alike, so a page cannot show the same day two ways; en_US/ has the
# American one. The person's locale (language + country) is accounts.regions.format_locale.
DATE_FORMAT = "j M Y"
SHORT_DATE_FORMAT = DATE_FORMAT
DATETIME_FORMAT = "j M Y, H:i"
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
MONTH_DAY_FORMAT = "j M"
