// Swagger UI for the API (templates/api/swagger_ui.html): loaded from a file, not inline, so that
// the site's Content-Security-Policy holds. The page's session and CSRF token authenticate the
// "Try it out" requests.
(function () {
  "use strict";
  var element = document.getElementById("swagger-ui");
  if (!element || typeof SwaggerUIBundle === "undefined") {
    return;
  }
  window.ui = SwaggerUIBundle({
    url: element.dataset.schemaUrl,
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: "StandaloneLayout",
    validatorUrl: null, // no badge from validator.swagger.io: nothing leaves the site
    requestInterceptor: function (request) {
      request.headers["X-CSRFToken"] = element.dataset.csrfToken;
      return request;
    },
  });
})();
