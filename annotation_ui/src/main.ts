import "./styles/main.css";
import { App } from "./app";
import { registerServiceWorker } from "./offline";

const root = document.getElementById("app");
if (!root) throw new Error("#app element missing from index.html");
void new App(root).start();
// After the page has loaded: caching the app's files must not compete with its first render.
window.addEventListener("load", registerServiceWorker, { once: true });
