app_name = "protocols"
urlpatterns: list = []
