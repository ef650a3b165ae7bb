# Dates as people in the United States write them, with the month's name so no reader takes
# the day for the month ("Dec 1, 2026", "Dec 1, 2026, 6:41 PM"), short and long alike.
DATE_FORMAT = "M j, Y"
SHORT_DATE_FORMAT = DATE_FORMAT
DATETIME_FORMAT = "M j, Y, g:i A"
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
MONTH_DAY_FORMAT = "M j"
