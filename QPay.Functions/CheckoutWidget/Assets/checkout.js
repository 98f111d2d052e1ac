// The checkout page's start: reads ?sessionId= and ?lang= (mn by default) and mounts the widget.
// Its calls use the access_token cookie of this origin.
import { mountCheckout } from "/checkout/widget.js";

const query = new URLSearchParams(location.search);
const lang = query.get("lang") === "en" ? "en" : "mn";
const restart = query.get("restart");
document.documentElement.lang = lang;
mountCheckout(document.getElementById("checkout"), {
  sessionId: query.get("sessionId"),
  lang,
  // Only a path on this origin: never a redirect elsewhere.
  restartUrl: restart && restart.startsWith("/") && !restart.startsWith("//") ? restart : undefined,
});
