// Starts the Swagger UI of /api/docs. A file rather than an inline script, so the page's
// Content-Security-Policy can allow scripts from this service only.
window.addEventListener("load", function () {
  var root = document.getElementById("openapi");
  window.ui = SwaggerUIBundle({
    url: root.dataset.spec,
    configUrl: root.dataset.config,
    dom_id: "#openapi",
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    layout: "StandaloneLayout"
  });
});
