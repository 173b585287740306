# Written by `pulab report`; rerun with: gnuplot np_fashion_mnist.gp
set encoding utf8
unset title
set label 100 "fashion_mnist — test accuracy vs n_p (best-val: solid, last epoch: dashed)" at screen 0.5, screen 0.97 center font ',13'
set label 101 "fig5_fashion_mnist_gradpu_no_gp · mean of 3 seeds, error bars ±1 std" at screen 0.5, screen 0.932 center font ',11'
set tmargin at screen 0.884
set xlabel 'labeled positives n_p' font ',12'
set ylabel 'test accuracy [%]' font ',12'
set grid back lc rgb '#dddddd' lw 1 dt 1
set border 3 lw 1.2
set tics nomirror out
set key outside right top vertical Left reverse samplen 3 spacing 1.2 width 1 box lc rgb '#bbbbbb'
set lmargin 10
set offsets graph 0.02, graph 0.02, graph 0.05, graph 0.05
set style fill transparent solid 0.15 noborder
set autoscale xfix
set logscale x 2
set xtics ('1000' 1000, '2000' 2000, '4000' 4000, '8000' 8000, '16000' 16000)
set yrange [0<*:*<100]
clip(v) = v < 0 ? 0 : v > 100 ? 100 : v

set terminal pngcairo size 900,600 font 'Sans,11' noenhanced background rgb 'white'
set output 'np_fashion_mnist.png'
plot 'np_fashion_mnist.dat' index 0 using 1:2:(clip($2-$3)):(clip($2+$3)) with yerrorlines lc rgb '#0072B2' lw 2 dt 1 pt 7 ps 0.8 title 'gradpu (best-val)', \
     'np_fashion_mnist.dat' index 1 using 1:2:(clip($2-$3)):(clip($2+$3)) with yerrorlines lc rgb '#0072B2' lw 2 dt 2 pt 6 ps 0.8 title 'gradpu (last)', \
     'np_fashion_mnist.dat' index 2 using 1:2:(clip($2-$3)):(clip($2+$3)) with yerrorlines lc rgb '#D55E00' lw 2 dt 1 pt 5 ps 0.8 title 'gradpu_no_gp (best-val)', \
     'np_fashion_mnist.dat' index 3 using 1:2:(clip($2-$3)):(clip($2+$3)) with yerrorlines lc rgb '#D55E00' lw 2 dt 2 pt 4 ps 0.8 title 'gradpu_no_gp (last)', \
     'np_fashion_mnist.dat' index 4 using 1:2:(clip($2-$3)):(clip($2+$3)) with yerrorlines lc rgb '#009E73' lw 2 dt 1 pt 9 ps 0.8 title 'nnpu (best-val)', \
     'np_fashion_mnist.dat' index 5 using 1:2:(clip($2-$3)):(clip($2+$3)) with yerrorlines lc rgb '#009E73' lw 2 dt 2 pt 8 ps 0.8 title 'nnpu (last)', \
     'np_fashion_mnist.dat' index 6 using 1:2:(clip($2-$3)):(clip($2+$3)) with yerrorlines lc rgb '#CC79A7' lw 2 dt 1 pt 11 ps 0.8 title 'supervised (best-val)', \
     'np_fashion_mnist.dat' index 7 using 1:2:(clip($2-$3)):(clip($2+$3)) with yerrorlines lc rgb '#CC79A7' lw 2 dt 2 pt 10 ps 0.8 title 'supervised (last)'

set terminal svg size 900,600 font 'Sans,11' noenhanced dynamic background rgb 'white'
set output 'np_fashion_mnist.svg'
replot
unset output
