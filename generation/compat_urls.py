from django.urls import path

from generation.compat import SeedGoodsGenerateApi, SeedPplGenerateApi

app_name = "seed"

urlpatterns = [
    path("ppl-gen/generate", SeedPplGenerateApi.as_view(), name="ppl-generate"),
    path("goods-gen/generate", SeedGoodsGenerateApi.as_view(), name="goods-generate"),
]
