// The image list's owner filter: suggests usernames as they are typed (the admin's owners/ view).
"use strict";
document.querySelectorAll("input[data-suggest-url]").forEach((input) => {
  const list = document.getElementById(input.getAttribute("list"));
  let asked = "";
  input.addEventListener("input", async () => {
    const term = input.value.trim();
    if (!term || term === asked) return;
    asked = term;
    const response = await fetch(`${input.dataset.suggestUrl}?term=${encodeURIComponent(term)}`,
      { credentials: "same-origin" });
    if (!response.ok || term !== asked) return;
    const { usernames } = await response.json();
    list.replaceChildren(...usernames.map((name) => Object.assign(document.createElement("option"), { value: name })));
  });
});
