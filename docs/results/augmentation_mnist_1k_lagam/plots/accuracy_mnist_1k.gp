# Written by `pulab report`; rerun with: gnuplot accuracy_mnist_1k.gp
set encoding utf8
unset title
set label 100 "mnist_1k — test accuracy per epoch" at screen 0.5, screen 0.97 center font ',13'
set label 101 "LaGAM with and without its latent-group module, MNIST 1k (seeds 0-1) · mean of 2 seeds, band ±1 std" at screen 0.5, screen 0.932 center font ',11'
set tmargin at screen 0.884
set xlabel 'epoch' font ',12'
set ylabel 'test accuracy [%]' font ',12'
set grid back lc rgb '#dddddd' lw 1 dt 1
set border 3 lw 1.2
set tics nomirror out
set key outside right top vertical Left reverse samplen 3 spacing 1.2 width 1 box lc rgb '#bbbbbb'
set lmargin 10
set offsets graph 0.02, graph 0.02, graph 0.05, graph 0.05
set style fill transparent solid 0.15 noborder
set autoscale xfix
set mxtics
set yrange [0<*:*<100]
clip(v) = v < 0 ? 0 : v > 100 ? 100 : v

set terminal pngcairo size 900,600 font 'Sans,11' noenhanced background rgb 'white'
set output 'accuracy_mnist_1k.png'
plot 'accuracy_mnist_1k.dat' index 0 using 1:(clip($2-$3)):(clip($2+$3)) with filledcurves lc rgb '#0072B2' notitle, \
     'accuracy_mnist_1k.dat' index 0 using 1:2 with linespoints lc rgb '#0072B2' lw 2 dt 1 pt 7 ps 0.8 pi 7 title 'augmentation_mnist_1k_lagam', \
     'accuracy_mnist_1k.dat' index 1 using 1:(clip($2-$3)):(clip($2+$3)) with filledcurves lc rgb '#D55E00' notitle, \
     'accuracy_mnist_1k.dat' index 1 using 1:2 with linespoints lc rgb '#D55E00' lw 2 dt 1 pt 5 ps 0.8 pi 7 title 'field_table1_mnist_1k'

set terminal svg size 900,600 font 'Sans,11' noenhanced dynamic background rgb 'white'
set output 'accuracy_mnist_1k.svg'
replot
unset output
