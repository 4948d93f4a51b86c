// Progressive enhancement only: the pages work without this file.
// "Am I in it?": a dropped file is hashed here, in the browser, and never sent. Its
// SWHID is git's blob hash: SHA-1 over "blob <length>\0" followed by the bytes.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form[data-hash-locally]");
  if (!form || !window.crypto || !crypto.subtle) return;
  const status = document.getElementById("hash-status");
  form.addEventListener("submit", async (event) => {
    const input = form.querySelector("input[type=file]");
    const file = input && input.files && input.files[0];
    if (!file) return;
    event.preventDefault();
    status.textContent = "Hashing " + file.name + " in your browser…";
    const data = new Uint8Array(await file.arrayBuffer());
    const header = new TextEncoder().encode("blob " + data.length + "\0");
    const blob = new Uint8Array(header.length + data.length);
    blob.set(header, 0);
    blob.set(data, header.length);
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-1", blob));
    const hex = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
    status.textContent = "Its SWHID is swh:1:cnt:" + hex;
    window.location.assign("/check?q=" + encodeURIComponent("swh:1:cnt:" + hex));
  });
});
