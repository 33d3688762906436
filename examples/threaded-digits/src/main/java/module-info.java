/** The example as a module: it needs splot (the automatic module dev.splot) and nothing else. */
module dev.splot.example {
    requires dev.splot;
}
