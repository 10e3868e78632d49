// The toy assistant's script: marks the page as enhanced.
document.getElementById("toy-count")?.setAttribute("data-enhanced", "yes");
