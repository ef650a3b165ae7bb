# German dates as German readers write them ("1. Dez. 2026", "1. Dez. 2026, 18:41"), one format
# short and long alike.
DATE_FORMAT = "j. N Y"
SHORT_DATE_FORMAT = DATE_FORMAT
DATETIME_FORMAT = "j. N Y, H:i"
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
MONTH_DAY_FORMAT = "j. N"
