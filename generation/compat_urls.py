from django.urls import path

from generation.compat import (
    SeedActuatorHealthApi,
    SeedDisplayListApi,
    SeedGoodsGenerateApi,
    SeedImageEditApi,
    SeedPplGenerateApi,
    SeedServiceApi,
    SeedUploadImageApi,
)

app_name = "seed"

urlpatterns = [
    path("ppl-gen/generate", SeedPplGenerateApi.as_view(), name="ppl-generate"),
    path("goods-gen/generate", SeedGoodsGenerateApi.as_view(), name="goods-generate"),
    path("generation/", SeedServiceApi.as_view(), name="generation"),
    path("generation/actuator/health", SeedActuatorHealthApi.as_view(), name="generation-health"),
    path("generation/display-list", SeedDisplayListApi.as_view(), name="generation-display-list"),
    path("generation/image", SeedImageEditApi.as_view(), name="generation-image"),
    path("generation/upload-image", SeedUploadImageApi.as_view(), name="generation-upload-image"),
]
