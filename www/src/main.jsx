import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { installWireTap } from "./wireTap.js";
import { App } from "./App.jsx";
import "./styles.css";

installWireTap(); // before the SDK opens its socket: see wireTap.js
createRoot(document.getElementById("root")).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
