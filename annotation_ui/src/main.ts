import "./styles/main.css";
import { App } from "./app";

const root = document.getElementById("app");
if (!root) throw new Error("#app element missing from index.html");
void new App(root).start();
