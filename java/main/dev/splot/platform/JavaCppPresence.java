package dev.splot.platform;

/**
 * Whether splot can see JavaCPP, checked without naming a JavaCPP type (so this class loads without it).
 * On the class path its jar may be missing; on the module path it may be present but unresolved:
 * splot is an automatic module, which declares no {@code requires}, so nothing pulls in the explicit
 * module org.bytedeco.javacpp. Either way a class that names a JavaCPP type would fail with a bare
 * NoClassDefFoundError; asking here first gives the reason and the remedy.
 */
public final class JavaCppPresence {
    private JavaCppPresence() {}

    /**
     * Whether JavaCPP can be used, checked before a class that names a JavaCPP type is touched.
     *
     * @return null when JavaCPP's classes load; otherwise what is wrong and how to fix it
     */
    public static String problem() {
        try {
            Class.forName("org.bytedeco.javacpp.Loader", false, JavaCppPresence.class.getClassLoader());
            return null;
        } catch (ClassNotFoundException | LinkageError e) {
            return "JavaCPP (org.bytedeco:javacpp) is not visible to splot: put its jar on the class path, or on the module path"
                    + " resolve its module too (--add-modules org.bytedeco.javacpp, or ALL-MODULE-PATH, or requires"
                    + " org.bytedeco.javacpp in your module-info)";
        }
    }
}
