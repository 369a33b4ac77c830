from django.urls import path

from generation import apis, webhooks

app_name = "generation"

urlpatterns = [
    path("jobs", apis.JobListApi.as_view(), name="job-list"),
    path("jobs/ppl", apis.JobPplCreateApi.as_view(), name="job-ppl-create"),
    path("jobs/goods", apis.JobGoodsCreateApi.as_view(), name="job-goods-create"),
    path("jobs/edit", apis.JobEditCreateApi.as_view(), name="job-edit-create"),
    path("jobs/product-page", apis.JobProductPageCreateApi.as_view(), name="job-product-page-create"),
    path("jobs/cancel", apis.JobBulkCancelApi.as_view(), name="job-bulk-cancel"),
    path("webhooks/replicate", webhooks.ReplicateWebhookApi.as_view(), name="webhook-replicate"),
    path("webhooks/bfl", webhooks.BflWebhookApi.as_view(), name="webhook-bfl"),
    path("jobs/<uuid:job_id>", apis.JobDetailApi.as_view(), name="job-detail"),
    path("jobs/<uuid:job_id>/cancel", apis.JobCancelApi.as_view(), name="job-cancel"),
    path("jobs/<uuid:job_id>/retry", apis.JobRetryApi.as_view(), name="job-retry"),
    path("jobs/<uuid:job_id>/inputs/<slug:role>", apis.JobInputFileApi.as_view(), name="job-input-file"),
    path(
        "jobs/<uuid:job_id>/inputs/<slug:role>/thumbnail",
        apis.JobInputThumbnailApi.as_view(),
        name="job-input-thumbnail",
    ),
]
